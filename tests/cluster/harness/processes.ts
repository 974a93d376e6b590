import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/** A free loopback port (the kernel picks; a tiny race with other programs is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Component {
  name: string;
  pid: number;
  child?: ChildProcess;
}

/** Starts one component of the multicall binary, its output in `<dir>/<name>.log`. */
export function startComponent(binary: string, dir: string, name: string, args: string[], detached: boolean) {
  return startProgram(name, binary, [name, ...args], dir, detached);
}

/** Starts any program (the real node's containerd too), its output in `<dir>/<name>.log`. */
export function startProgram(name: string, command: string, args: string[], dir: string, detached: boolean) {
  const log = openSync(path.join(dir, `${name}.log`), "a");
  const child = spawn(command, args, { stdio: ["ignore", log, log], detached });
  if (detached) child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const record: ProgramRecord = { command, args, pid: child.pid };
  writeFileSync(recordFile(dir, name), JSON.stringify(record));
  return { name, pid: child.pid, child } satisfies Component;
}

/**
 * How a program was started and its pid now, in `<dir>/<name>.process.json`: a test runs in
 * another process than the one that started the plane, and restarts a component from this.
 */
interface ProgramRecord {
  command: string;
  args: string[];
  pid: number;
}

const recordFile = (dir: string, name: string) => path.join(dir, `${name}.process.json`);

function readRecord(dir: string, name: string): ProgramRecord {
  const file = recordFile(dir, name);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ProgramRecord;
  } catch (error) {
    throw new Error(`${file}: no record of how ${name} was started (${(error as Error).message})`);
  }
}

/** The pid a component runs as now: a restart (below) replaces the one it was started with. */
export function currentPid(dir: string, component: Component): number {
  try {
    return readRecord(dir, component.name).pid;
  } catch {
    return component.pid;
  }
}

/**
 * Stops a program (SIGTERM, as a node's shutdown would), awaits `whileDown`, then starts it again
 * with the same command line: same ports, same data and certificate folders. Detached, so that it
 * outlives the test process that restarted it; the plane's `stop()` finds it by its record.
 */
export async function restartProgram(
  dir: string,
  name: string,
  whileDown: () => Promise<void> = async () => {},
): Promise<number> {
  const { command, args, pid } = readRecord(dir, name);
  await stopProcess(pid);
  await whileDown();
  return startProgram(name, command, args, dir, true).pid;
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, "SIGKILL");
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
}

/** Polls `check` every 250 ms until it says true; the error names what and where its logs are. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logDir: string) {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s (${lastError}); logs in ${logDir}`);
}
