/**
 * The object a decoded header's ext fields go into: no inherited names (a field called "toString" or
 * "__proto__" is an own entry like any other, absent ones read undefined), as Object.create(null)
 * gives, but a fast object. Object.create(null) is a dictionary from birth: filling the 14 fields of
 * a send header cost ~200 ns more (hashing, rehashing as it grows, megamorphic stores), on every
 * request the broker reads and every answer a client reads. Headers of one kind carry the same names
 * in the same order, so their objects share one shape.
 */
function ExtFields(): void {}
// Frozen: every decoded header reads through it, so nothing may ever be added to it.
ExtFields.prototype = Object.freeze(Object.create(null) as object);

/** An empty ext-fields record (see ExtFields). */
export function newExtFields(): Record<string, string> {
  return new (ExtFields as unknown as new () => Record<string, string>)();
}
