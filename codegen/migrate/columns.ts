// The compile-time link between a migration and the models it migrates to.

/** A model, structurally (so this file needs nothing of the model's runtime). */
interface ModelLike {
  readonly qualifiedName: string;
  readonly columns: Record<string, unknown>;
}

/**
 * Declares the columns of `model` a migration names. It checks nothing at run time (a later
 * model change must not stop old migrations from running); tsc checks the names, so a
 * migration that names a column the model lacks does not compile.
 */
export function migratesColumns<M extends ModelLike, const C extends readonly (keyof M['columns'] & string)[]>(
  model: M,
  columns: C,
): C {
  void model;
  return columns;
}
