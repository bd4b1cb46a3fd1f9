// The few semver and calendar operations the checks need (no dependency).
//
// "Major" for 0.x follows npm's caret ranges: for 0.y.z a bump of y is breaking (^0.2.3 is
// >=0.2.3 <0.3.0), and for 0.0.z every bump of z is (^0.0.3 is >=0.0.3 <0.0.4).

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** @typedef {{ major: number, minor: number, patch: number, prerelease: string | undefined }} Version */

/** @param {string} text @returns {Version | undefined} */
export function parseVersion(text) {
  const match = SEMVER.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] };
}

/** @param {string} text */
function mustParse(text) {
  const version = parseVersion(text);
  if (!version) throw new Error(`not a semver version: '${text}'`);
  return version;
}

/** Negative, zero or positive like a comparator (prereleases sort before their release). @param {string} a @param {string} b */
export function compareVersions(a, b) {
  const [x, y] = [mustParse(a), mustParse(b)];
  for (const key of /** @type {const} */ (['major', 'minor', 'patch'])) if (x[key] !== y[key]) return x[key] - y[key];
  if (x.prerelease === y.prerelease) return 0;
  if (x.prerelease === undefined) return 1;
  if (y.prerelease === undefined) return -1;
  return x.prerelease < y.prerelease ? -1 : 1;
}

/**
 * Whether going from `from` to `to` is a major (breaking) release, with 0.x as npm treats it.
 * @param {string} from @param {string} to
 */
export function isMajorBump(from, to) {
  const [x, y] = [mustParse(from), mustParse(to)];
  if (y.major !== x.major) return y.major > x.major;
  if (x.major > 0) return false;
  if (y.minor !== x.minor) return y.minor > x.minor;
  return x.minor === 0 && y.patch > x.patch;
}

/**
 * The version `changeset version` writes for a bump type.
 * @param {string} version @param {'major' | 'minor' | 'patch' | 'none'} bump
 */
export function bumpVersion(version, bump) {
  const v = mustParse(version);
  if (bump === 'major') return `${v.major + 1}.0.0`;
  if (bump === 'minor') return `${v.major}.${v.minor + 1}.0`;
  if (bump === 'patch') return v.prerelease ? `${v.major}.${v.minor}.${v.patch}` : `${v.major}.${v.minor}.${v.patch + 1}`;
  return version;
}

/** A `YYYY-MM-DD` calendar date as a UTC Date, or undefined when malformed or impossible. @param {string} text */
export function parseDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date;
}

/** `date` plus whole months (29 Feb + 12 months is 1 Mar). @param {Date} date @param {number} months */
export function addMonths(date, months) {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate()));
}

/** @param {Date} date */
export function formatDate(date) {
  return date.toISOString().slice(0, 10);
}
