/* An ordinary shared library: no Hearth entry, no "hearth" section. */
__attribute__((visibility("default"))) int not_a_plugin(int x) { return x + 1; }
