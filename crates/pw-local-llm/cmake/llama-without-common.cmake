# Included by CMake right after each project() call of the llama.cpp build (CMAKE_PROJECT_INCLUDE,
# set in .cargo/config.toml and forwarded by llama-cpp-sys-2's build script, which passes every
# CMAKE_* variable on to CMake).
#
# Why: llama.cpp's `common` library (argument parsing, chat templates, an HTTP client, downloads)
# and the cpp-httplib it needs were half of the llama.cpp build on 2-core CI, and nothing of ours
# uses them: the JSON-schema grammar is crates/pw-local-llm/src/grammar.rs. llama-cpp-2 asks for
# llama-cpp-sys-2's default features, `common` among them, so the feature cannot be turned off
# from our Cargo.toml. A normal variable shadows the LLAMA_BUILD_COMMON=ON cache entry the build
# script defines (option() leaves an existing cache entry alone), so `add_subdirectory(common)`
# and `add_subdirectory(cpp-httplib)` are skipped. The build script then finds no build/common
# directory and links no common library; the wrapper it still compiles for `common` is never
# referenced, so the linker leaves it out. That last step is checked on Linux (CI and the e2e
# build link it), and not on macOS or Windows, whose linkers treat unresolved symbols in unused
# objects differently: there `common` is still built.
if(PROJECT_NAME STREQUAL "llama.cpp" AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(LLAMA_BUILD_COMMON OFF)
endif()
