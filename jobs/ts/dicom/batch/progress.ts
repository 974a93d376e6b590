/** A one-line progress bar on a TTY (nothing elsewhere, so logs and CI output stay clean). */
export function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr) {
  const enabled = stream.isTTY === true && total > 0;
  let done = 0;
  let failed = 0;
  const draw = () => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    stream.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}  failed ${failed}`);
  };
  return {
    tick(ok: boolean) {
      done++;
      if (!ok) failed++;
      if (enabled) draw();
    },
    finish() {
      if (enabled) stream.write("\n");
    },
  };
}
