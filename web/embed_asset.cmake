# Turns one text file into a C++ source defining `std::string_view NAME()` with its contents,
# at build time (cmake -P). Inputs: IN, OUT, NAME, and STRIP_SOURCE_MAP (drop the
# `//# sourceMappingURL=` line of a minified library: the page must not ask for any file).
file(READ "${IN}" content)
if(STRIP_SOURCE_MAP)
  string(REGEX REPLACE "\n?//# sourceMappingURL=[^\n]*" "" content "${content}")
  string(REGEX REPLACE "/\\*# sourceMappingURL=[^*]*\\*/" "" content "${content}")
endif()
set(delim "rsn_asset")
string(FIND "${content}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )${delim}\"")
endif()
string(FIND "${content}" "</script" closes)
if(NOT closes EQUAL -1)
  message(FATAL_ERROR "${IN} contains </script, which would end its inline script element")
endif()
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by web/embed_asset.cmake; do not edit.\n"
  "#include <string_view>\n"
  "namespace resonant::web::assets {\n"
  "std::string_view ${NAME}() noexcept {\n"
  "  static constexpr char text[] = R\"${delim}(${content})${delim}\";\n"
  "  return {text, sizeof text - 1};\n"
  "}\n"
  "}  // namespace resonant::web::assets\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
