#!/usr/bin/env node
// Rebuilds proto/onnx.proto from the serialized FileDescriptorProto of the official onnx.proto
// that an npm package ships inside protoc-gen-es output (a `fileDesc("<base64>")` call).
//
//   npm pack onnx-buf@1.20.0-1 && tar xzf onnx-buf-1.20.0-1.tgz
//   node scripts/proto-from-descriptor.mjs package/dist/onnx_pb.js > proto/onnx.proto
//
// Field numbers, labels, types, oneofs, reserved ranges and options come straight from the
// descriptor, so the wire format is exactly the official one. Comments are not in a descriptor.
import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FieldDescriptorProto_Label, FieldDescriptorProto_Type } from '@bufbuild/protobuf/wkt';
import { base64Decode } from '@bufbuild/protobuf/wire';

const source = readFileSync(process.argv[2], 'utf8');
const sourceName = process.argv[3] ?? process.argv[2];
const match = source.match(/fileDesc\("([^"]+)"/);
if (!match) throw new Error(`no fileDesc("...") call in ${process.argv[2]}`);
const file = fromBinary(FileDescriptorProtoSchema, base64Decode(match[1]));

const scalarNames = {
  [FieldDescriptorProto_Type.DOUBLE]: 'double', [FieldDescriptorProto_Type.FLOAT]: 'float',
  [FieldDescriptorProto_Type.INT64]: 'int64', [FieldDescriptorProto_Type.UINT64]: 'uint64',
  [FieldDescriptorProto_Type.INT32]: 'int32', [FieldDescriptorProto_Type.FIXED64]: 'fixed64',
  [FieldDescriptorProto_Type.FIXED32]: 'fixed32', [FieldDescriptorProto_Type.BOOL]: 'bool',
  [FieldDescriptorProto_Type.STRING]: 'string', [FieldDescriptorProto_Type.BYTES]: 'bytes',
  [FieldDescriptorProto_Type.UINT32]: 'uint32', [FieldDescriptorProto_Type.SFIXED32]: 'sfixed32',
  [FieldDescriptorProto_Type.SFIXED64]: 'sfixed64', [FieldDescriptorProto_Type.SINT32]: 'sint32',
  [FieldDescriptorProto_Type.SINT64]: 'sint64',
};
const labelNames = {
  [FieldDescriptorProto_Label.OPTIONAL]: 'optional',
  [FieldDescriptorProto_Label.REPEATED]: 'repeated',
  [FieldDescriptorProto_Label.REQUIRED]: 'required',
};

const lines = [];
const out = (depth, text) => lines.push(text === '' ? '' : '  '.repeat(depth) + text);
const typeName = (field) => scalarNames[field.type] ?? field.typeName.replace(/^\.onnx\./, '');

function ranges(list, inclusiveEnd) {
  return list.map((r) => {
    const end = inclusiveEnd ? r.end : r.end - 1;
    return r.start === end ? `${r.start}` : `${r.start} to ${end === 536870911 ? 'max' : end}`;
  }).join(', ');
}

function printEnum(e, depth) {
  out(depth, `enum ${e.name} {`);
  for (const value of e.value) out(depth + 1, `${value.name} = ${value.number};`);
  if (e.reservedRange.length) out(depth + 1, `reserved ${ranges(e.reservedRange, true)};`);
  if (e.reservedName.length) out(depth + 1, `reserved ${e.reservedName.map((n) => `"${n}"`).join(', ')};`);
  out(depth, '}');
}

function printField(field, depth, inOneof) {
  const options = [];
  if (field.options?.packed !== undefined && field.options.$typeName && field.options.packed) options.push('packed = true');
  if (field.defaultValue) options.push(`default = ${field.defaultValue}`);
  const suffix = options.length ? ` [${options.join(', ')}]` : '';
  const label = inOneof ? '' : `${labelNames[field.label]} `;
  out(depth, `${label}${typeName(field)} ${field.name} = ${field.number}${suffix};`);
}

function printMessage(m, depth) {
  out(depth, `message ${m.name} {`);
  for (const e of m.enumType) printEnum(e, depth + 1);
  for (const nested of m.nestedType) printMessage(nested, depth + 1);
  const printedOneofs = new Set();
  for (const field of m.field) {
    if (field.oneofIndex !== undefined && field.proto3Optional !== true && m.oneofDecl[field.oneofIndex] && Object.hasOwn(field, 'oneofIndex') && isSet(field, 'oneofIndex')) {
      const index = field.oneofIndex;
      if (printedOneofs.has(index)) continue;
      printedOneofs.add(index);
      out(depth + 1, `oneof ${m.oneofDecl[index].name} {`);
      for (const member of m.field) if (isSet(member, 'oneofIndex') && member.oneofIndex === index) printField(member, depth + 2, true);
      out(depth + 1, '}');
      continue;
    }
    printField(field, depth + 1, false);
  }
  if (m.reservedRange.length) out(depth + 1, `reserved ${ranges(m.reservedRange, false)};`);
  if (m.reservedName.length) out(depth + 1, `reserved ${m.reservedName.map((n) => `"${n}"`).join(', ')};`);
  out(depth, '}');
}

// proto2 messages from @bufbuild/protobuf keep "has" state via the prototype chain: an own
// property means the field was present on the wire.
function isSet(message, key) {
  return Object.hasOwn(message, key);
}

out(0, '// SPDX-License-Identifier: Apache-2.0');
out(0, '//');
out(0, '// Open Neural Network Exchange (ONNX) protobuf schema, from the onnx/onnx repository');
out(0, '// (onnx/onnx.proto, Copyright (c) ONNX Project Contributors, Apache License 2.0).');
out(0, `// Reconstructed by scripts/proto-from-descriptor.mjs from the FileDescriptorProto embedded in`);
out(0, `// ${sourceName}, which is the official file compiled by protoc-gen-es.`);
out(0, '// Every message, field name, field number, label, type, oneof, reserved range and option is the');
out(0, "// official one; the official file's comments are not part of a descriptor and are omitted.");
out(0, '// See https://onnx.ai/onnx/repo-docs/IR.html for the meaning of each field.');
out(0, '');
out(0, `syntax = "${file.syntax || 'proto2'}";`);
out(0, '');
out(0, `package ${file.package};`);
out(0, '');
if (file.options?.optimizeFor !== undefined) {
  out(0, 'option optimize_for = LITE_RUNTIME;');
  out(0, '');
}
for (const e of file.enumType) { printEnum(e, 0); out(0, ''); }
for (const m of file.messageType) { printMessage(m, 0); out(0, ''); }
process.stdout.write(lines.join('\n'));
