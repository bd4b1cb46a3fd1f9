// Public-API snapshots from a package's built declaration files, through the TypeScript
// compiler API. A snapshot lists every exported symbol of every entry point with its kind,
// normalized signature text (comments stripped, whitespace collapsed, `export`/`declare`
// dropped), its class/interface/enum members, and the text of its `@deprecated` tag.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * @typedef {object} ApiItem
 * @property {string} kind         function, class, interface, type, enum, const, let, var, namespace; for members: method, property, constructor, get, set, index, call, construct, enum-member
 * @property {string[]} signatures one normalized text per declaration (overloads, merged declarations)
 * @property {boolean} [optional]  members only: declared with `?`
 * @property {string} [deprecated] the `@deprecated` tag's text ('' for a bare tag)
 * @property {Record<string, ApiItem>} [members]
 */
/** @typedef {Record<string, Record<string, ApiItem>>} ApiEntries  entry subpath → symbol name → item */

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
/** The .d.ts bundler renames clashing declarations `Dim` → `Dim$1`; the suffix is not API and shifts between builds. */
const BUNDLER_SUFFIX = /\b([A-Za-z_]\w*)\$\d+\b/g;
const DROPPED_MODIFIERS = new Set([ts.SyntaxKind.ExportKeyword, ts.SyntaxKind.DeclareKeyword, ts.SyntaxKind.DefaultKeyword]);

/** @param {ts.Node} node @param {ts.SourceFile} sourceFile */
function print(node, sourceFile) {
  return printer
    .printNode(ts.EmitHint.Unspecified, node, sourceFile)
    .replace(/\s+/g, ' ')
    .replace(/^(?:(?:export|declare|default) )+/, '')
    .replace(BUNDLER_SUFFIX, '$1')
    .replace(/ ?;$/, '')
    .trim();
}

/** @param {ts.Node} node */
function keptModifiers(node) {
  const modifiers = ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : [];
  return modifiers.filter((m) => !DROPPED_MODIFIERS.has(m.kind));
}

/** @param {ts.Node} node */
function deprecationOf(node) {
  const tag = ts.getJSDocDeprecatedTag(node);
  if (!tag) return undefined;
  return (ts.getTextOfJSDocComment(tag.comment) ?? '').replace(/\s+/g, ' ').trim();
}

/** @param {ts.Node} member */
function isPrivate(member) {
  const name = ts.getNameOfDeclaration(/** @type {ts.Declaration} */ (member));
  if (name && ts.isPrivateIdentifier(name)) return true;
  return keptModifiers(member).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword);
}

/** @param {ts.Node} member @param {ts.SourceFile} sourceFile @returns {[string, string]} key and kind */
function memberKey(member, sourceFile) {
  const isStatic = keptModifiers(member).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
  const prefix = isStatic ? 'static ' : '';
  if (ts.isConstructorDeclaration(member) || ts.isConstructSignatureDeclaration(member)) return ['constructor', 'constructor'];
  if (ts.isIndexSignatureDeclaration(member)) return [`${prefix}[index]`, 'index'];
  if (ts.isCallSignatureDeclaration(member)) return ['(call)', 'call'];
  const name = ts.getNameOfDeclaration(/** @type {ts.Declaration} */ (member));
  const text = name ? name.getText(sourceFile) : '?';
  const kind = ts.isMethodDeclaration(member) || ts.isMethodSignature(member) ? 'method'
    : ts.isGetAccessorDeclaration(member) ? 'get'
    : ts.isSetAccessorDeclaration(member) ? 'set'
    : ts.isEnumMember(member) ? 'enum-member'
    : 'property';
  return [`${prefix}${text}`, kind];
}

/**
 * Members tagged `@internal` are not public API (API Extractor's convention): they stay out of
 * the report, so changing them is never a breaking change.
 * @param {ts.Node} node
 */
function isInternal(node) {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

/**
 * @param {readonly ts.Node[]} members
 * @param {ts.SourceFile} sourceFile
 * @returns {Record<string, ApiItem>}
 */
function describeMembers(members, sourceFile) {
  /** @type {Record<string, ApiItem>} */
  const out = {};
  for (const member of members) {
    if (isPrivate(member) || isInternal(member) || ts.isClassStaticBlockDeclaration(member)) continue;
    const [key, kind] = memberKey(member, sourceFile);
    if (!Object.hasOwn(out, key)) out[key] = { kind, signatures: [] };
    const item = out[key];
    if (item.kind !== kind) item.kind = [...new Set([...item.kind.split('+'), kind])].join('+');
    item.signatures.push(print(member, sourceFile));
    if (/** @type {any} */ (member).questionToken) item.optional = true;
    const deprecated = deprecationOf(member);
    if (deprecated !== undefined && item.deprecated === undefined) item.deprecated = deprecated;
  }
  return out;
}

/**
 * Kind, header text and members of one declaration.
 * @param {ts.Declaration} node @param {ts.SourceFile} sourceFile
 * @returns {{ kind: string, signature: string, members?: Record<string, ApiItem> }}
 */
function describeDeclaration(node, sourceFile) {
  const f = ts.factory;
  if (ts.isClassDeclaration(node)) {
    const header = f.updateClassDeclaration(node, keptModifiers(node), node.name, node.typeParameters, node.heritageClauses, []);
    return { kind: 'class', signature: print(header, sourceFile).replace(/ ?\{ ?\}$/, ''), members: describeMembers(node.members, sourceFile) };
  }
  if (ts.isInterfaceDeclaration(node)) {
    const header = f.updateInterfaceDeclaration(node, keptModifiers(node), node.name, node.typeParameters, node.heritageClauses, []);
    return { kind: 'interface', signature: print(header, sourceFile).replace(/ ?\{ ?\}$/, ''), members: describeMembers(node.members, sourceFile) };
  }
  if (ts.isEnumDeclaration(node)) {
    const header = f.updateEnumDeclaration(node, keptModifiers(node), node.name, []);
    return { kind: 'enum', signature: print(header, sourceFile).replace(/ ?\{ ?\}$/, ''), members: describeMembers(node.members, sourceFile) };
  }
  if (ts.isVariableDeclaration(node)) {
    const flags = ts.isVariableDeclarationList(node.parent) ? node.parent.flags : 0;
    const keyword = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
    return { kind: keyword, signature: `${keyword} ${print(node, sourceFile)}` };
  }
  const kind = ts.isFunctionDeclaration(node) ? 'function'
    : ts.isTypeAliasDeclaration(node) ? 'type'
    : ts.isModuleDeclaration(node) ? 'namespace'
    : ts.SyntaxKind[node.kind];
  return { kind, signature: print(node, sourceFile) };
}

/** @param {ts.TypeChecker} checker @param {ts.Symbol} symbol */
function resolveAlias(checker, symbol) {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** @param {ts.TypeChecker} checker @param {ts.Symbol} moduleSymbol */
function sortedExports(checker, moduleSymbol) {
  return checker.getExportsOfModule(moduleSymbol).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * One exported symbol: its declarations merged (overloads, interface + const, class + namespace).
 * A namespace (`declare namespace n`, or `export * as n`) lists its exports as members.
 * @param {ts.TypeChecker} checker @param {ts.Symbol} symbol @param {number} depth
 * @returns {ApiItem}
 */
function describeSymbol(checker, symbol, depth) {
  /** @type {ApiItem} */
  const item = { kind: '', signatures: [] };
  const kinds = new Set();
  for (const declaration of symbol.declarations ?? []) {
    const deprecated = deprecationOf(declaration);
    if (deprecated !== undefined && item.deprecated === undefined) item.deprecated = deprecated;
    if (ts.isSourceFile(declaration) || ts.isModuleDeclaration(declaration)) {
      kinds.add('namespace');
      item.signatures.push(`namespace ${symbol.name.replace(BUNDLER_SUFFIX, '$1')}`);
      if (depth < 3) {
        for (const member of sortedExports(checker, symbol)) {
          item.members = { ...item.members, [member.name]: describeSymbol(checker, resolveAlias(checker, member), depth + 1) };
        }
      }
      continue;
    }
    const described = describeDeclaration(declaration, declaration.getSourceFile());
    kinds.add(described.kind);
    item.signatures.push(described.signature);
    if (described.members) item.members = { ...item.members, ...described.members };
  }
  item.kind = kinds.size > 0 ? [...kinds].join('+') : 'unresolved';
  if (item.members) item.members = Object.fromEntries(Object.entries(item.members).sort(([a], [b]) => (a < b ? -1 : 1)));
  return item;
}

/**
 * Snapshot of the exports of one declaration file.
 * @param {string} dtsPath
 * @returns {{ symbols: Record<string, ApiItem>, localNames: Map<string, string> }}
 *   localNames maps an export name to its declared name where they differ (`export { a as b }`)
 */
export function extractApi(dtsPath) {
  const program = ts.createProgram([dtsPath], { noLib: true, types: [], noEmit: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const sourceFile = program.getSourceFile(dtsPath);
  if (!sourceFile) throw new Error(`cannot read ${dtsPath}`);
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  /** @type {Record<string, ApiItem>} */
  const symbols = {};
  /** @type {Map<string, string>} */
  const localNames = new Map();
  if (!moduleSymbol) return { symbols, localNames };
  for (const exportSymbol of sortedExports(checker, moduleSymbol)) {
    const symbol = resolveAlias(checker, exportSymbol);
    const localName = symbol.name.replace(BUNDLER_SUFFIX, '$1');
    if (localName !== exportSymbol.name && localName !== 'default') localNames.set(exportSymbol.name, localName);
    symbols[exportSymbol.name] = describeSymbol(checker, symbol, 0);
  }
  return { symbols, localNames };
}

/**
 * The declaration file of each public entry point in a package's `exports` map (subpath
 * patterns and ./package.json skipped), relative paths resolved against `dir`.
 * @param {string} dir @param {Record<string, any>} manifest
 * @returns {Record<string, string>} subpath → absolute .d.ts path
 */
export function typeEntries(dir, manifest) {
  /** @param {unknown} target @returns {string | undefined} */
  const typesOf = (target) => {
    if (typeof target === 'string') return /\.d\.[cm]?ts$/.test(target) ? target : undefined;
    if (!target || typeof target !== 'object' || Array.isArray(target)) return undefined;
    const conditions = /** @type {Record<string, unknown>} */ (target);
    for (const key of ['import', 'types', 'node', 'default', 'require']) {
      const found = key === 'types' && typeof conditions.types === 'string' ? conditions.types : typesOf(conditions[key]);
      if (found) return found;
    }
    return undefined;
  };
  const exportsField = manifest.exports;
  /** @type {Record<string, unknown>} */
  let map = { '.': exportsField ?? { types: manifest.types ?? manifest.typings } };
  if (exportsField && typeof exportsField === 'object' && Object.keys(exportsField).some((k) => k.startsWith('.'))) map = exportsField;
  /** @type {Record<string, string>} */
  const entries = {};
  for (const [subpath, target] of Object.entries(map)) {
    if (subpath === './package.json' || subpath.includes('*')) continue;
    const types = typesOf(target);
    if (types) entries[subpath] = path.resolve(dir, types);
  }
  return entries;
}

/**
 * The current API of a package from its built declarations.
 * @param {string} dir @param {Record<string, any>} manifest
 * @param {{ dtsPath?: string }} [options] `dtsPath` overrides the "." entry (e.g. an unbuilt fixture)
 */
export function packageApi(dir, manifest, options = {}) {
  const entries = typeEntries(dir, manifest);
  if (options.dtsPath) entries['.'] = path.resolve(options.dtsPath);
  /** @type {ApiEntries} */
  const api = {};
  /** @type {Record<string, Map<string, string>>} */
  const localNames = {};
  for (const [subpath, dtsPath] of Object.entries(entries)) {
    if (!existsSync(dtsPath)) {
      throw new Error(`${manifest.name}: ${path.relative(process.cwd(), dtsPath)} does not exist; build the package first (pnpm build)`);
    }
    const extracted = extractApi(dtsPath);
    api[subpath] = extracted.symbols;
    localNames[subpath] = extracted.localNames;
  }
  return { entries: api, localNames };
}

/** Where a package's committed API report lives. @param {string} dir @param {string} name */
export function reportPath(dir, name) {
  return path.join(dir, 'api', `${name.replace(/^@[^/]+\//, '')}.api.json`);
}

/** The report text for a package (stable, diff-friendly). @param {string} name @param {string} version @param {ApiEntries} entries */
export function formatReport(name, version, entries) {
  const report = {
    $comment: 'Public API of the last release. Generated by `node tools/deprecations/cli.mjs report --update`; do not edit.',
    package: name,
    version,
    entries,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** @param {string} file @returns {{ package: string, version: string, entries: ApiEntries } | undefined} */
export function readReport(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}
