// Public surface of @kiln/cli. Filled in by its issue; internals live under src/internal/.
export {};
