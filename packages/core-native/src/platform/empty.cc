// Placeholder translation unit for an ISA group that has no kernel files yet: gyp needs at least
// one source per target. It defines nothing, so it can appear in several groups.
