// The seed of the data on screen, and the config with another one: what the "New data" button (and the n key)
// changes. Generated line data and a network's data set have one; a test surface and an uploaded CSV line do not.

/** The data seed of `config`, or null when its data has none to change. */
export function dataSeed(config) {
  if (config.kind === "linear_regression") return config.csv ? null : config.data?.seed ?? 0;
  if (config.kind === "network") return config.net?.data?.seed ?? 0;
  return null;
}

/** The config changes that give `config` data seed `seed`. */
export function withDataSeed(config, seed) {
  if (config.kind === "network") return { net: { ...config.net, data: { ...config.net.data, seed } } };
  return { data: { seed } };
}

/** The next seed after `seed` (wrapping at the largest seed a data set takes). */
export const nextSeed = (seed) => (seed >= 2 ** 32 - 1 ? 0 : seed + 1);
