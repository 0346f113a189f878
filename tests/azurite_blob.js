// Azurite's blob service, with List Blobs' `startFrom` honoured.
//
// object_store (under obstore and delta-rs) lists Azure with an offset by sending
// `startFrom`, which Azure supports and Azurite 3.x ignores (Azure/Azurite#2619): delta-rs
// then sees old commits as new and fails with "Invalid table version". This keeps only
// the names at or after `startFrom`, as Azure does, then starts Azurite unchanged.
//
// Usage: node azurite_blob.js <azurite>/dist/src/blob/main.js [azurite-blob flags...]
"use strict";

const path = require("path");

const main = path.resolve(process.argv[2]);
const { default: ContainerHandler } = require(
  path.join(path.dirname(main), "handlers", "ContainerHandler.js"),
);

for (const name of ["listBlobFlatSegment", "listBlobHierarchySegment"]) {
  const original = ContainerHandler.prototype[name];
  ContainerHandler.prototype[name] = async function (...args) {
    const context = args[args.length - 1];
    const startFrom = context.request.getQuery("startFrom");
    const response = await original.apply(this, args);
    if (startFrom) {
      response.segment.blobItems = response.segment.blobItems.filter(
        (blob) => blob.name >= startFrom,
      );
    }
    return response;
  };
}

process.argv.splice(2, 1); // Azurite reads its flags from process.argv
require(main);
