// Placeholder translation unit for an ISA group that has no kernel files yet (gyp needs one source).
namespace kiln {
int empty_isa_group_placeholder() { return 0; }
}  // namespace kiln
