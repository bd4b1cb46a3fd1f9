// Public surface of @kiln/calib. Filled in by its issue; internals live under src/internal/.
export {};
