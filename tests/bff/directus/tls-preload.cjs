'use strict';
// Loaded with `node --require` before Directus in the BFF's end-to-end tests and benchmark.
// Directus 12 serves plain HTTP (server.js calls http.createServer); the BFF insists on TLS to the
// CMS, so this makes that call build an HTTPS server (TLS 1.2+) with the test CA's certificate.
// With TEST_REQUEST_LOG set it also appends "METHOD URL" for each request, so a test can prove what
// reached the CMS. Request headers (where tokens travel) are never written.
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { syncBuiltinESMExports } = require('node:module');

const options = {
  cert: fs.readFileSync(process.env.TEST_TLS_CERT),
  key: fs.readFileSync(process.env.TEST_TLS_KEY),
  minVersion: 'TLSv1.2',
};
const requestLog = process.env.TEST_REQUEST_LOG;

http.createServer = function createServer(...args) {
  const listener = args.find((arg) => typeof arg === 'function');
  const server = https.createServer(options, listener);
  if (requestLog) {
    server.on('request', (req) => fs.appendFileSync(requestLog, `${req.method} ${req.url}\n`));
  }
  return server;
};
// Directus imports `http` as an ES module: copy the patched function into its live bindings.
syncBuiltinESMExports();
