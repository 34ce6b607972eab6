// Builds the touchscreen into --out DIR (build/frontend): the API's types generated from
// proto/api.proto by Debian's protoc with ts-proto, `tsc --noEmit` (strict), then esbuild
// bundles the app and the service worker. Everything the page loads is in DIR: no external
// network assets.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
if (outIndex < 0 || !args[outIndex + 1]) {
  console.error("build.mjs: usage: node build.mjs --out DIR");
  process.exit(2);
}
const out = resolve(args[outIndex + 1]);
const protoc = process.env.PROTOC || "/usr/bin/protoc";
const gen = join(here, "src", "gen");

// 1. api.proto -> src/gen/api.ts: interfaces and string enums only, the proto's own
// (snake_case) field names, 64-bit integers as strings, Timestamps as RFC 3339 strings:
// exactly the JSON rfneedled prints (docs/api.md).
rmSync(gen, { recursive: true, force: true });
mkdirSync(gen, { recursive: true });
execFileSync(protoc, [
  `--plugin=protoc-gen-ts_proto=${join(here, "node_modules", ".bin", "protoc-gen-ts_proto")}`,
  `--ts_proto_out=${gen}`,
  "--ts_proto_opt=snakeToCamel=false,forceLong=string,onlyTypes=true,stringEnums=true," +
    "useDate=string,useOptionals=messages,unrecognizedEnum=false",
  `-I${join(here, "..", "proto")}`,
  "-I/usr/include",
  "api.proto",
], { stdio: "inherit" });

// 2. Types, strictly.
execFileSync(process.execPath, [join(here, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", here], {
  stdio: "inherit",
});

// 3. Bundles. Only this script's own outputs are replaced: --out is also the frontend's
// CMake build directory (build/frontend), whose cmake_install.cmake `cmake --install` and
// cpack read.
const outputs = ["index.html", "app.js", "app.js.map", "app.css", "app.css.map", "sw.js"];
for (const f of outputs) rmSync(join(out, f), { force: true });
mkdirSync(out, { recursive: true });
const common = { bundle: true, format: "esm", target: "es2020", minify: true, sourcemap: true, logLevel: "warning" };
await esbuild.build({ ...common, entryPoints: [join(here, "src", "main.ts")], outfile: join(out, "app.js") });
await esbuild.build({
  ...common,
  entryPoints: [join(here, "src", "style.css")],
  outfile: join(out, "app.css"),
  loader: { ".css": "css" },
});
copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));

// The service worker's cache is named after the shell's content, so a new build replaces it.
const shell = ["index.html", "app.js", "app.css"];
const hash = createHash("sha256");
for (const f of shell) hash.update(readFileSync(join(out, f)));
await esbuild.build({
  ...common,
  sourcemap: false,
  entryPoints: [join(here, "src", "sw.ts")],
  outfile: join(out, "sw.js"),
  format: "iife",
  define: {
    SHELL_CACHE: JSON.stringify(`rfneedle-shell-${hash.digest("hex").slice(0, 16)}`),
    SHELL_FILES: JSON.stringify(["/", ...shell.map((f) => `/${f}`)]),
  },
});
console.log(`frontend: built into ${out}`);
