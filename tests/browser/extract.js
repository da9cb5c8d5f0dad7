// Unpacks the headless Chromium that @sparticuz/chromium ships inside its npm package (brotli files
// under bin/) into a folder, for the audit report's browser tests. Nothing is downloaded: the
// binary is in the package that `npm ci` installed from the lock.
//   node tests/browser/extract.js <target folder>
// Writes <target>/chromium (the headless shell), <target>/al2023.tar (the NSS libraries it links)
// <target>/fonts.tar (Open Sans: the page has text to lay out even where no font is installed) and
// <target>/swiftshader.tar (the software GL the compositor needs; its files go beside the binary).
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const target = process.argv[2];
if (!target) {
  console.error("usage: node extract.js <target folder>");
  process.exit(64);
}
const bin = path.join(__dirname, "node_modules", "@sparticuz", "chromium", "bin");
fs.mkdirSync(target, { recursive: true });
for (const name of ["chromium", "al2023.tar", "fonts.tar", "swiftshader.tar"]) {
  const packed = fs.readFileSync(path.join(bin, `${name}.br`));
  fs.writeFileSync(path.join(target, name), zlib.brotliDecompressSync(packed), { mode: name === "chromium" ? 0o755 : 0o644 });
}
