// Public surface of @kiln/runtime. Filled in by its issue; internals live under src/internal/.
export {};
