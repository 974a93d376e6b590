// An OCI image archive (the layout `podman save --format oci-archive` writes) made from a few
// files, with no image builder: the real node's sandbox image must exist before anything can run
// there, and nothing can be pulled on these machines. The archive is byte-for-byte reproducible
// (fixed times and owners), so its digest changes only when a file does.
import { createHash } from "node:crypto";

export interface ArchiveFile {
  /** Path inside the image, without the leading slash. */
  path: string;
  data: Buffer;
  mode: number;
}

export interface ImageSpec {
  /** Full reference the importer names the image with, e.g. localhost/mammoflow/pause:0a1b2c. */
  name: string;
  files: ArchiveFile[];
  entrypoint: string[];
  user?: string;
}

const BLOCK = 512;

/** One ustar header: enough for short names of regular files owned by root. */
function tarHeader(name: string, size: number, mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  const header = Buffer.alloc(BLOCK);
  const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, "0");
  header.write(name, 0, "utf8");
  header.write(octal(mode, 8), 100);
  header.write(octal(0, 8), 108); // uid
  header.write(octal(0, 8), 116); // gid
  header.write(octal(size, 12), 124);
  header.write(octal(0, 12), 136); // mtime: the epoch, for reproducible digests
  header.write(" ".repeat(8), 148); // checksum field counts as spaces while summing
  header.write("0", 156); // regular file
  header.write("ustar\u000000", 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${octal(sum, 7)}\u0000`, 148);
  return header;
}

/** A tar stream of regular files, in the order given. */
export function tar(files: ArchiveFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(tarHeader(file.path, file.data.length, file.mode), file.data);
    const padding = (BLOCK - (file.data.length % BLOCK)) % BLOCK;
    parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** The image as an OCI archive: one uncompressed layer, its config, manifest and index. */
export function ociArchive(spec: ImageSpec): Buffer {
  const layer = tar(spec.files);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Entrypoint: spec.entrypoint, ...(spec.user ? { User: spec.user } : {}) },
      rootfs: { type: "layers", diff_ids: [sha256(layer)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: sha256(manifest),
          size: manifest.length,
          // `ctr images import` names the image after this, as it does for podman's archives.
          annotations: { "org.opencontainers.image.ref.name": spec.name },
        },
      ],
    }),
  );
  const blob = (data: Buffer): ArchiveFile => ({
    path: `blobs/sha256/${sha256(data).slice("sha256:".length)}`,
    data,
    mode: 0o644,
  });
  return tar([
    { path: "oci-layout", data: Buffer.from('{"imageLayoutVersion":"1.0.0"}'), mode: 0o644 },
    { path: "index.json", data: index, mode: 0o644 },
    blob(layer),
    blob(config),
    blob(manifest),
  ]);
}
