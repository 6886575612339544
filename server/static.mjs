// Serves www/ at / and the built package (pkg/) at /pkg/, read-only.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, normalize, relative, sep } from 'node:path';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

// Scripts only from this origin; wasm compilation needs 'wasm-unsafe-eval';
// no inline script, so an injected <script> or handler cannot run.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Maps a URL path to a file under one of `mounts` ({ prefix, dir }), or null. */
export function resolvePath(mounts, urlPath) {
  return resolveMount(mounts, urlPath)?.file ?? null;
}

/** Like resolvePath, with the mount directory: { file, dir } or null. */
function resolveMount(mounts, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  for (const { prefix, dir } of mounts) {
    if (!decoded.startsWith(prefix)) continue;
    const relative = decoded.slice(prefix.length) || 'index.html';
    const file = normalize(join(dir, relative));
    // Refuse anything that escapes the mounted directory (../ tricks).
    if (file !== dir && !file.startsWith(dir + sep)) return null;
    return { file, dir };
  }
  return null;
}

/**
 * Whether `file` is reached from `dir` without a symbolic link: a link inside
 * the served tree could point anywhere (a home directory, /etc), so none is
 * followed. The mount directory itself may be a link.
 */
export async function withoutSymlinks(file, dir) {
  try {
    const [realFile, realDir] = await Promise.all([realpath(file), realpath(dir)]);
    return realFile === join(realDir, relative(dir, file));
  } catch {
    return false;
  }
}

/** An HTTP handler serving `mounts` ({ prefix, dir }), GET and HEAD only. */
export function createStaticHandler(mounts) {
  return async function serveStatic(request, response) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const mount = resolveMount(mounts, pathname);
    let file = mount?.file;
    let info = file && (await stat(file).catch(() => null));
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!file || !info?.isFile() || !(await withoutSymlinks(file, mount.dir))) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file).pipe(response);
  };
}
