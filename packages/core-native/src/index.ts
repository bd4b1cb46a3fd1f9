// Public surface of @kiln/core-native. Filled in by its issue; internals live under src/internal/.
export {};
