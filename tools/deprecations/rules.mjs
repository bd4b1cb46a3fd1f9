// The deprecation policy (TensorRT's): a deprecated API keeps working for 12 months after its
// deprecation date and is removed only in a major release. Compares a package's current API
// with the committed report of its last release. Rules (ids appear in every finding):
//   deprecated-tag          @deprecated must say `since <x.y.z> (<YYYY-MM-DD>)` and `use X instead`
//                           (or `no replacement`)                                        → error
//   breaking-without-major  removal or incompatible signature change without a major bump → error
//   removed-too-early       deprecated symbol removed < 12 months after its date (any release) → error
//   removed-undeprecated    removed in a major without ever being deprecated              → error
//   expired-deprecation     window ended and still present: at a major cut → error, else warning
//   deprecate-not-called    (implementation.mjs) deprecated function/method never calls deprecate() → warning
import ts from 'typescript';
import { addMonths, formatDate, isMajorBump, parseDate, parseVersion } from '../lib/semver.mjs';

/** @typedef {import('./api.mjs').ApiItem} ApiItem */
/** @typedef {import('./api.mjs').ApiEntries} ApiEntries */
/** @typedef {{ severity: 'error' | 'warning', rule: string, symbol: string, message: string }} Finding */

export const WINDOW_MONTHS = 12;

/**
 * Read a `@deprecated` tag's text.
 * @param {string} text
 * @returns {{ version?: string, date?: Date, replacement?: string, problems: string[] }}
 */
export function parseDeprecation(text) {
  /** @type {string[]} */
  const problems = [];
  /** @type {{ version?: string, date?: Date, replacement?: string, problems: string[] }} */
  const result = { problems };
  const since = /\bsince\s+([^\s;,()]+)\s*(?:\(([^)]*)\))?/i.exec(text);
  if (!since) {
    problems.push('missing `since <version> (<YYYY-MM-DD>)`');
  } else {
    const [, rawVersion = '', dateText] = since;
    const version = rawVersion.replace(/[.,;:]+$/, '');
    if (parseVersion(version)) result.version = version.replace(/^v/, '');
    else problems.push(`malformed since: '${version}' is not a version (x.y.z)`);
    if (dateText === undefined) problems.push('missing deprecation date: write `since <version> (<YYYY-MM-DD>)`');
    else {
      const date = parseDate(dateText.trim());
      if (date) result.date = date;
      else problems.push(`malformed since: '(${dateText})' is not a YYYY-MM-DD date`);
    }
  }
  const use = /\buse\s+(.+?)\s+instead\b/i.exec(text);
  if (use?.[1]) result.replacement = use[1];
  else if (!/\bno replacement\b/i.test(text)) problems.push('missing replacement: say `use X instead` (or `no replacement`)');
  return result;
}

/** Parse a signature as a declaration so parameter lists can be compared. @param {string} text @param {'top' | 'class' | 'interface'} context */
function parseSignature(text, context) {
  const source = context === 'top' ? `declare ${text};` : `declare ${context === 'class' ? 'class' : 'interface'} __C { ${text}; }`;
  const file = ts.createSourceFile('signature.ts', source, ts.ScriptTarget.Latest, true);
  let node = /** @type {ts.Node | undefined} */ (file.statements[0]);
  if (node && context !== 'top') node = /** @type {any} */ (node).members?.[0];
  if (!node || !ts.isFunctionLike(node)) return undefined;
  const texts = (/** @type {readonly ts.Node[] | undefined} */ list) => (list ?? []).map((n) => n.getText(file));
  return {
    head: `${texts(ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined).join(' ')} ${ts.SyntaxKind[node.kind]} ${node.name?.getText(file) ?? ''}<${texts(node.typeParameters).join(', ')}>`,
    returns: node.type?.getText(file) ?? '',
    parameters: node.parameters.map((p) => ({ text: p.getText(file), optional: Boolean(p.questionToken || p.initializer || p.dotDotDotToken) })),
  };
}

/**
 * Whether `after` still accepts every call `before` accepted: identical text, or the same
 * function with only optional/rest parameters appended.
 * @param {string} before @param {string} after @param {'top' | 'class' | 'interface'} context
 */
export function isCompatibleSignature(before, after, context) {
  if (before === after) return true;
  const [old, now] = [parseSignature(before, context), parseSignature(after, context)];
  if (!old || !now || old.head !== now.head || old.returns !== now.returns) return false;
  if (now.parameters.length < old.parameters.length) return false;
  return now.parameters.every((p, i) => (i < old.parameters.length ? p.text === old.parameters[i]?.text : p.optional));
}

/** @param {ApiItem} before @param {ApiItem} after @param {'top' | 'class' | 'interface'} context */
function compatibleItem(before, after, context) {
  if (before.kind !== after.kind) return false;
  return before.signatures.every((sig) => after.signatures.some((candidate) => isCompatibleSignature(sig, candidate, context)));
}

/**
 * @param {object} input
 * @param {ApiEntries} input.current         API now (from the build)
 * @param {{ version: string, entries: ApiEntries } | undefined} input.baseline  committed report of the last release
 * @param {string} input.version             version being checked (package.json, or with a pending changeset applied)
 * @param {Date} input.now
 * @returns {Finding[]}
 */
export function checkPolicy({ current, baseline, version, now }) {
  /** @type {Finding[]} */
  const findings = [];
  const major = baseline ? isMajorBump(baseline.version, version) : false;
  const release = baseline ? `${baseline.version} → ${version} (${major ? 'major' : 'not a major release'})` : version;
  const add = (/** @type {Finding['severity']} */ severity, /** @type {string} */ rule, /** @type {string} */ symbol, /** @type {string} */ message) =>
    findings.push({ severity, rule, symbol, message });

  /** A symbol or member that exists in the baseline but not now. @param {string} symbol @param {ApiItem} item */
  const removed = (symbol, item) => {
    const deprecation = item.deprecated === undefined ? undefined : parseDeprecation(item.deprecated);
    if (deprecation?.date) {
      const windowEnd = addMonths(deprecation.date, WINDOW_MONTHS);
      if (now < windowEnd) {
        add('error', 'removed-too-early', symbol, `removed, but it was deprecated on ${formatDate(deprecation.date)} and must keep working until ${formatDate(windowEnd)}; restore it (it may go in the first major release on or after that date)`);
      } else if (!major) {
        add('error', 'breaking-without-major', symbol, `removed in ${release}; its deprecation window ended on ${formatDate(windowEnd)}, but removal needs a major release: restore it, or add a major changeset`);
      }
    } else if (!major) {
      add('error', 'breaking-without-major', symbol, `removed in ${release}; restore it and deprecate it instead (@deprecated since <version> (<date>); use X instead), removing it in a major release 12 months later`);
    } else {
      add('error', 'removed-undeprecated', symbol, `removed in ${release} without ever being deprecated (or with no valid deprecation date); restore it, deprecate it, and remove it in a major release 12 months later`);
    }
  };
  /** @param {string} symbol */
  const broken = (symbol, /** @type {ApiItem} */ before, /** @type {ApiItem} */ after) => {
    if (!major) {
      add('error', 'breaking-without-major', symbol, `signature changed incompatibly in ${release}:\n      was: ${before.signatures.join(' | ')}\n      now: ${after.signatures.join(' | ')}\n    keep the old signature (add an overload or optional parameter), or add a major changeset`);
    }
  };
  /** @param {string} symbol @param {string} text */
  const checkTag = (symbol, text) => {
    const deprecation = parseDeprecation(text);
    for (const problem of deprecation.problems) {
      add('error', 'deprecated-tag', symbol, `@deprecated ${problem}; found '@deprecated ${text.length > 100 ? `${text.slice(0, 100)}…` : text}'. Example: @deprecated since 0.3.0 (2026-12-01); use \`getTensorName\` instead.`);
    }
    if (!deprecation.date) return;
    const windowEnd = addMonths(deprecation.date, WINDOW_MONTHS);
    if (now < windowEnd) return;
    if (major) add('error', 'expired-deprecation', symbol, `deprecated on ${formatDate(deprecation.date)}, window ended ${formatDate(windowEnd)}, and this is a major release (${release}): remove it now`);
    else add('warning', 'expired-deprecation', symbol, `deprecated on ${formatDate(deprecation.date)}; its 12-month window ended ${formatDate(windowEnd)}: remove it in the next major release`);
  };

  for (const entry of new Set([...Object.keys(baseline?.entries ?? {}), ...Object.keys(current)])) {
    const before = baseline?.entries[entry] ?? {};
    const after = current[entry] ?? {};
    const prefix = entry === '.' ? '' : `${entry}:`;
    for (const [name, old] of Object.entries(before)) {
      const symbol = `${prefix}${name}`;
      const now_ = Object.hasOwn(after, name) ? after[name] : undefined;
      if (!now_) {
        removed(symbol, old);
        continue;
      }
      if (!compatibleItem(old, now_, 'top')) broken(symbol, old, now_);
      const context = now_.kind.includes('class') ? 'class' : now_.kind.includes('namespace') ? 'top' : 'interface';
      const [oldMembers, newMembers] = [old.members ?? {}, now_.members ?? {}];
      for (const [member, oldMember] of Object.entries(oldMembers)) {
        const newMember = Object.hasOwn(newMembers, member) ? newMembers[member] : undefined;
        if (!newMember) removed(`${symbol}.${member}`, oldMember);
        else if (!compatibleItem(oldMember, newMember, context) || Boolean(oldMember.optional) !== Boolean(newMember.optional)) {
          broken(`${symbol}.${member}`, oldMember, newMember);
        }
      }
      if (now_.kind.includes('interface')) {
        for (const [member, newMember] of Object.entries(newMembers)) {
          if (!Object.hasOwn(oldMembers, member) && !newMember.optional && newMember.kind !== 'index') {
            if (!major) add('error', 'breaking-without-major', `${symbol}.${member}`, `required member added to interface ${name} in ${release}: code that implements ${name} breaks; make it optional (${member}?), or add a major changeset`);
          }
        }
      }
    }
    for (const [name, item] of Object.entries(after)) {
      if (item.deprecated !== undefined) checkTag(`${prefix}${name}`, item.deprecated);
      for (const [member, memberItem] of Object.entries(item.members ?? {})) {
        if (memberItem.deprecated !== undefined) checkTag(`${prefix}${name}.${member}`, memberItem.deprecated);
      }
    }
  }
  return findings;
}
