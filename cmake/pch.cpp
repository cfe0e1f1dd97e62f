// Translation unit that carries the precompiled LibTorch header (see sdk/CMakeLists.txt).
