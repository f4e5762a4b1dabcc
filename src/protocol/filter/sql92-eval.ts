/**
 * Evaluation of a compiled SQL92 selector against message properties, with Java's three-valued
 * semantics (filter/expression, 5.3.3): a missing property is null; comparisons with null are null;
 * AND / OR / NOT follow SQL's unknown logic; a message matches only when the result is TRUE. Where
 * Java's evaluator throws (e.g. `a > 3` with a = 'x', a value that is not a number), the message does
 * not match (Java's ExpressionMessageFilter logs the exception and answers false).
 */
import type { Sql92Value } from './java-values.js';
import {
  javaCompare,
  javaDoubleCompare,
  javaDoubleValueOf,
  javaNegate,
  Sql92EvalError,
} from './java-values.js';
import type { Sql92Node } from './sql92-ast.js';

/** Property lookup: a plain object of the message's properties (as decodeProperties returns) or a Map. */
export type Sql92Properties = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

function lookup(props: Sql92Properties, name: string): string | null {
  if (props instanceof Map) return props.get(name) ?? null;
  const record = props as Readonly<Record<string, string>>;
  return Object.prototype.hasOwnProperty.call(record, name) ? (record[name] ?? null) : null;
}

function asBooleanOrNull(v: Sql92Value): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

/** Evaluates a node; throws Sql92EvalError where Java's evaluator throws. */
export function evaluateSql92(n: Sql92Node, props: Sql92Properties): Sql92Value {
  switch (n.k) {
    case 'const':
      return n.value;
    case 'prop':
      return lookup(props, n.name);
    case 'neg':
      return javaNegate(evaluateSql92(n.e, props));
    case 'not': {
      const v = asBooleanOrNull(evaluateSql92(n.e, props));
      return v === null ? null : !v;
    }
    case 'cast': {
      const v = evaluateSql92(n.e, props);
      if (v === null) return null;
      return typeof v === 'boolean' ? v : false;
    }
    case 'and':
    case 'or': {
      // AND: the first FALSE decides; OR: the first TRUE. Else null if any was null.
      const decisive = n.k === 'or';
      let sawNull = false;
      for (const item of n.items) {
        const v = asBooleanOrNull(evaluateSql92(item, props));
        if (v === decisive) return decisive;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : !decisive;
    }
    case 'eq': {
      const l = evaluateSql92(n.l, props);
      const r = evaluateSql92(n.r, props);
      if (l === null || r === null) return l === null && r === null ? true : l === null ? null : false;
      return javaCompare(l, r) === 0;
    }
    case 'cmp': {
      const l = evaluateSql92(n.l, props);
      if (l === null) return null;
      const r = evaluateSql92(n.r, props);
      if (r === null) return null;
      // 5.3.3 (and 4.9.8): two strings are compared as doubles, or the comparison fails.
      const c =
        typeof l === 'string' && typeof r === 'string'
          ? javaDoubleCompare(doubleOf(l, r), doubleOf(r, l))
          : javaCompare(l, r);
      return n.op === '>' ? c > 0 : n.op === '>=' ? c >= 0 : n.op === '<' ? c < 0 : c <= 0;
    }
    case 'in': {
      const v = lookup(props, n.name);
      if (v === null) return null;
      return n.values.has(v) !== n.not;
    }
    case 'text': {
      if (n.search.length === 0) return false;
      const v = evaluateSql92(n.e, props);
      if (typeof v !== 'string') return false;
      const hit =
        n.op === 'CONTAINS'
          ? v.includes(n.search)
          : n.op === 'STARTSWITH'
            ? v.startsWith(n.search)
            : v.endsWith(n.search);
      return hit !== n.not;
    }
  }
}

function doubleOf(s: string, other: string): number {
  try {
    return javaDoubleValueOf(s);
  } catch {
    throw new Sql92EvalError(`It's illegal to compare string by '>=', '>', '<', '<='. lv=${s}, rv=${other}`);
  }
}

/** True only when the selector evaluates to TRUE; null, FALSE and evaluation failures do not match. */
export function matchesSql92(n: Sql92Node, props: Sql92Properties): boolean {
  try {
    return evaluateSql92(n, props) === true;
  } catch (err) {
    if (err instanceof Sql92EvalError) return false;
    throw err;
  }
}
