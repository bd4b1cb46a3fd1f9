// Rule deprecate-not-called: every deprecated function, method, accessor or class (its
// constructor) must warn at run time through the one shared helper, `deprecate()` from
// @kiln/common, so users see a DeprecationWarning once per process. The implementation is
// found by name in the package's src/ (syntax only, no type checking); a symbol whose
// implementation is not there (e.g. re-exported from another package) is not checked.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** @typedef {import('./rules.mjs').Finding} Finding */
/** @typedef {import('./api.mjs').ApiEntries} ApiEntries */

/** @param {string} dir @param {string[]} out */
function sourceFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(file, out);
    else if (/\.[cm]?[jt]sx?$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name)) out.push(file);
  }
  return out;
}

/** Whether a function body calls `deprecate(` (or `x.deprecate(`). @param {ts.Node | undefined} body */
function callsDeprecate(body) {
  if (!body) return false;
  /** @param {ts.Node} node @returns {boolean} */
  const visit = (node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if ((ts.isIdentifier(callee) && callee.text === 'deprecate') || (ts.isPropertyAccessExpression(callee) && callee.name.text === 'deprecate')) return true;
    }
    return ts.forEachChild(node, visit) ?? false;
  };
  return visit(body);
}

/**
 * Bodies by name: `functions` (function declarations and `const f = () => …`) and
 * `classes` (class name → member name → bodies; the constructor is `constructor`).
 * @param {string} srcDir
 */
export function indexImplementations(srcDir) {
  /** @type {Map<string, ts.Node[]>} */
  const functions = new Map();
  /** @type {Map<string, Map<string, ts.Node[]>>} */
  const classes = new Map();
  const push = (/** @type {Map<string, ts.Node[]>} */ map, /** @type {string} */ name, /** @type {ts.Node | undefined} */ body) => {
    if (body) map.set(name, [...(map.get(name) ?? []), body]);
  };
  if (!existsSync(srcDir)) return { functions, classes };
  for (const file of sourceFiles(srcDir)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name) push(functions, statement.name.text, statement.body);
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          const init = declaration.initializer;
          if (ts.isIdentifier(declaration.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
            push(functions, declaration.name.text, init.body);
          }
        }
      }
      if (ts.isClassDeclaration(statement) && statement.name) {
        const members = classes.get(statement.name.text) ?? new Map();
        classes.set(statement.name.text, members);
        for (const member of statement.members) {
          const isStatic = ts.canHaveModifiers(member) && (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
          const name = ts.isConstructorDeclaration(member) ? 'constructor' : member.name?.getText(source);
          if (name && 'body' in member) push(members, `${isStatic ? 'static ' : ''}${name}`, /** @type {any} */ (member).body);
        }
      }
    }
  }
  return { functions, classes };
}

/**
 * @param {object} input
 * @param {ApiEntries} input.current
 * @param {Record<string, Map<string, string>>} [input.localNames]  export name → declared name, per entry
 * @param {string} input.srcDir
 * @returns {Finding[]}
 */
export function checkDeprecateCalls({ current, localNames = {}, srcDir }) {
  /** @type {Finding[]} */
  const findings = [];
  const { functions, classes } = indexImplementations(srcDir);
  const warn = (/** @type {string} */ symbol, /** @type {string} */ what) =>
    findings.push({
      severity: 'warning',
      rule: 'deprecate-not-called',
      symbol,
      message: `${what} is deprecated but never calls deprecate(); add deprecate({ code: 'KILN_DEP_####', symbol: '${symbol}', since, replacement }) from @kiln/common at its top so users get a DeprecationWarning`,
    });
  for (const [entry, symbols] of Object.entries(current)) {
    const prefix = entry === '.' ? '' : `${entry}:`;
    for (const [name, item] of Object.entries(symbols)) {
      const local = localNames[entry]?.get(name) ?? name;
      if (item.deprecated !== undefined && /function|const|let|var/.test(item.kind)) {
        const bodies = functions.get(local); // function declarations and `const f = () => …`
        if (bodies && !bodies.some(callsDeprecate)) warn(`${prefix}${name}`, `function ${local} (src/)`);
      }
      if (!item.kind.includes('class')) continue;
      const members = classes.get(local);
      if (!members) continue;
      if (item.deprecated !== undefined && !(members.get('constructor') ?? []).some(callsDeprecate)) {
        warn(`${prefix}${name}`, `class ${local} (its constructor${members.has('constructor') ? '' : ', which it does not declare'})`);
      }
      for (const [memberName, member] of Object.entries(item.members ?? {})) {
        if (member.deprecated === undefined || !/method|get|set|constructor/.test(member.kind)) continue;
        const bodies = members.get(memberName);
        if (bodies && !bodies.some(callsDeprecate)) warn(`${prefix}${name}.${memberName}`, `${member.kind} ${local}.${memberName} (src/)`);
      }
    }
  }
  return findings;
}
