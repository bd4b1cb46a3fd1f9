// Public surface of @kiln/builder. Filled in by its issue; internals live under src/internal/.
export {};
