// The pure helpers of the bootstrap, build, test and server scripts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { lockedVersion, reportedVersion } from '../../scripts/bootstrap.mjs';
import { crateVersion } from '../../scripts/build.mjs';
import { root } from '../../scripts/lib.mjs';
import { shortenNames, shortName } from '../../scripts/short-names.mjs';
import { parseClientFrame } from '../../pkg-template/client-frames.js';
import { originAllowed } from '../../server/app.mjs';
import { resolvePath } from '../../server/static.mjs';

test('lockedVersion reads a crate version from Cargo.lock text', () => {
  const lock = '# generated\nversion = 4\n\n[[package]]\nname = "wasm-bindgen-macro"\nversion = "9.9.9"\n\n' +
    '[[package]]\nname = "wasm-bindgen"\nversion = "0.2.130"\nsource = "registry"\n';
  assert.equal(lockedVersion(lock, 'wasm-bindgen'), '0.2.130');
  assert.equal(lockedVersion(lock, 'serde'), null);
});

test('the repository Cargo.lock pins the wasm-bindgen that Cargo.toml requires exactly', () => {
  const required = /wasm-bindgen = "=([^"]+)"/.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))?.[1];
  assert.ok(required, 'Cargo.toml pins wasm-bindgen with =');
  assert.equal(lockedVersion(readFileSync(join(root, 'Cargo.lock'), 'utf8'), 'wasm-bindgen'), required);
});

test('reportedVersion reads `wasm-bindgen --version` output', () => {
  assert.equal(reportedVersion('wasm-bindgen 0.2.130'), '0.2.130');
  assert.equal(reportedVersion('wasm-bindgen-test-runner 0.2.130 (abc 2026-01-01)'), '0.2.130');
  assert.equal(reportedVersion(null), null);
});

test('crateVersion reads [package] version, not a dependency version', () => {
  const toml = '[package]\nname = "x"\nversion = "1.2.3"\n\n[dependencies]\nfoo = { version = "9" }\n';
  assert.equal(crateVersion(toml), '1.2.3');
  assert.throws(() => crateVersion('[dependencies]\nversion = "1"\n'));
});

test('static files cannot escape their directory', () => {
  const mounts = [{ prefix: '/pkg/', dir: '/srv/pkg' }, { prefix: '/', dir: '/srv/www' }];
  assert.equal(resolvePath(mounts, '/'), '/srv/www/index.html');
  assert.equal(resolvePath(mounts, '/pkg/wsnotify.js'), '/srv/pkg/wsnotify.js');
  assert.equal(resolvePath(mounts, '/../etc/passwd'), null);
  assert.equal(resolvePath(mounts, '/%2e%2e/%2e%2e/etc/passwd'), null);
  assert.equal(resolvePath(mounts, '/pkg/..%2f..%2fsecret'), null);
  assert.equal(resolvePath(mounts, '/%E0%A4%A'), null);
});

test('the server validates client frames', () => {
  assert.deepEqual(parseClientFrame('{"type":"init","userId":"ada"}'), { frame: { type: 'init', userId: 'ada' } });
  assert.match(parseClientFrame('{').error, /JSON/);
  assert.match(parseClientFrame('[1]').error, /object/);
  assert.match(parseClientFrame('{"type":"init","userId":""}').error, /userId/);
  assert.match(parseClientFrame(JSON.stringify({ type: 'init', userId: 'x'.repeat(65) })).error, /userId/);
  assert.match(parseClientFrame('{"type":"chat","fromUserId":"a","message":5}').error, /message/);
  assert.match(parseClientFrame('{"type":"nope"}').error, /unknown type/);
  for (const type of Object.getOwnPropertyNames(Object.prototype)) {
    assert.equal(parseClientFrame(JSON.stringify({ type, token: 'SECRET' })).error, 'unknown type', type);
  }
  for (const bad of ['a\u0007b', 'a\u001b[31mb', 'a\u202eb', 'a\u200bb', 'a\nb', 'a\u2028b', '\ud800']) {
    assert.match(parseClientFrame(JSON.stringify({ type: 'init', userId: bad })).error, /printable/, JSON.stringify(bad));
  }
  assert.ok(parseClientFrame(JSON.stringify({ type: 'init', userId: 'Zoë 李 <b>' })).frame);
  assert.match(parseClientFrame('{"type":"chat","fromUserId":"a","message":"x\\ud800y"}').error, /surrogate/);
  assert.ok(parseClientFrame('{"type":"chat","fromUserId":"a","message":"\\ud83d\\ude00"}').frame, 'a surrogate pair is fine');
  assert.match(parseClientFrame('{"type":"init","userId":"a","epoch":""}').error, /epoch/);
  assert.ok(parseClientFrame('{"type":"chat","fromUserId":"a","toUserId":"b","message":"hi","id":"m1"}').frame);
});

test('only listed origins may open a WebSocket; the Host header plays no part', () => {
  assert.equal(originAllowed('http://127.0.0.1:8080', ['http://127.0.0.1:8080']), true);
  assert.equal(originAllowed('http://evil.example', []), false);
  assert.equal(originAllowed('http://app.example', ['http://app.example']), true);
  assert.equal(originAllowed('http://app.example:1', ['http://app.example']), false);
  assert.equal(originAllowed(undefined, []), true);
  assert.equal(originAllowed('null', []), false);
  assert.equal(originAllowed('http://any.example', ['*']), true);
});

const INVOKER = 'wasm_bindgen_0123456789abcdef___convert__closures_____invoke_______true_';

/**
 * A module importing `imports` ([module, name] pairs, each a `() => void`)
 * and exporting one function, which calls them all, as `run` and as a
 * closure invoker named the way wasm-bindgen names one.
 */
function moduleImporting(imports) {
  const name = (text) => [text.length, ...Buffer.from(text)];
  const section = (id, body) => [id, body.length, ...body];
  const calls = imports.flatMap((_, index) => [0x10, index]);
  const body = [0, ...calls, 0x0b];
  return Buffer.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(2, [imports.length, ...imports.flatMap(([module, field]) => [...name(module), ...name(field), 0x00, 0])]),
    ...section(3, [1, 0]),
    ...section(7, [2, ...name('run'), 0x00, imports.length, ...name(INVOKER), 0x00, imports.length]),
    ...section(10, [1, body.length, ...body]),
  ]);
}

test('short names: the .wasm, the glue and the types are renamed together, and the module still links and runs', async () => {
  assert.deepEqual([0, 25, 26, 51, 52, 53].map(shortName), ['a', 'z', 'A', 'Z', 'aa', 'ab']);
  const wasm = moduleImporting([
    ['./wsnotify_bg.js', '__wbg_first_0123456789abcdef'],
    ['env', 'kept'],
    ['./wsnotify_bg.js', '__wbg_second_fedcba9876543210'],
  ]);
  const glue = [
    'function __wbg_get_imports() {',
    '    const import0 = {',
    '        __proto__: null,',
    '        __wbg_first_0123456789abcdef: function() { calls.push("first"); },',
    '        __wbg_second_fedcba9876543210: function() { calls.push("second"); },',
    '    };',
    '    return { __proto__: null, "./wsnotify_bg.js": import0 };',
    '}',
    `function ${INVOKER}(wasm) { wasm.${INVOKER}(); }`,
  ].join('\n');
  const types = [`export const run: () => void;\nexport const ${INVOKER}: () => void;\n`,
    `interface InitOutput {\n  readonly run: () => void;\n  readonly ${INVOKER}: () => void;\n}\n`];
  const shortened = shortenNames(wasm, glue, types);
  const module = new WebAssembly.Module(shortened.wasm);
  assert.deepEqual(WebAssembly.Module.imports(module).map(({ module, name }) => [module, name]),
    [['w', 'a'], ['env', 'kept'], ['w', 'b']]);
  assert.deepEqual(WebAssembly.Module.exports(module).map(({ name }) => name), ['run', '$a'],
    'the API keeps its names; the invoker gets a short one');
  assert.deepEqual(shortened.declarations, [`export const run: () => void;\nexport const $a: () => void;\n`,
    `interface InitOutput {\n  readonly run: () => void;\n  readonly $a: () => void;\n}\n`]);
  assert.ok(shortened.wasm.length < wasm.length);

  const calls = [];
  const { imports, invoke } = new Function('calls',
    `${shortened.glue}\nreturn { imports: __wbg_get_imports(), invoke: ${INVOKER} };`)(calls);
  const instance = new WebAssembly.Instance(module, { ...imports, env: { kept: () => calls.push('kept') } });
  instance.exports.run();
  assert.deepEqual(calls, ['first', 'kept', 'second']);
  invoke(instance.exports);
  assert.deepEqual(calls, ['first', 'kept', 'second', 'first', 'kept', 'second'], 'the glue calls the renamed invoker');
});

test('short names: a glue or a declaration file that does not have a name exactly once fails the build', () => {
  const wasm = moduleImporting([['./wsnotify_bg.js', '__wbg_missing_0123456789abcdef']]);
  const glue = 'const import0 = {\n    __wbg_other: function() {},\n};\nreturn { "./wsnotify_bg.js": import0 };';
  assert.throws(() => shortenNames(wasm, glue), /the import key __wbg_missing_0123456789abcdef 0 times, not once/);
  const linked = moduleImporting([]);
  const glueWithoutInvoker = 'return { "./wsnotify_bg.js": import0 };';
  assert.throws(() => shortenNames(linked, glueWithoutInvoker), new RegExp(`the export ${INVOKER} 0 times, not once`));
  const glueWithInvoker = `${glueWithoutInvoker}\nwasm.${INVOKER}();`;
  assert.throws(() => shortenNames(linked, glueWithInvoker, ['export const run: () => void;']),
    new RegExp(`a declaration file has the export ${INVOKER} 0 times, not once`));
});

/** The specifiers a module imports statically (`import … from`, `export … from`, `import '…'`). */
function staticImports(text) {
  return [...text.matchAll(/^\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?\s*['"]([^'"]+)['"]/gm)].map((match) => match[1]);
}

test('every npm script loads no npm package before its bootstrap has installed them (a clean clone has none)', () => {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entries = Object.values(scripts).flatMap((command) => [...command.matchAll(/node (\S+\.mjs)/g)].map((m) => m[1]));
  assert.ok(entries.includes('bench/run.mjs') && entries.includes('scripts/test.mjs'));
  for (const entry of entries) {
    const seen = new Set();
    const visit = (file) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of staticImports(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
        else assert.match(specifier, /^node:/, `${entry} loads ${specifier} (from ${file}) before the bootstrap runs`);
      }
    };
    visit(join(root, entry));
  }
});
