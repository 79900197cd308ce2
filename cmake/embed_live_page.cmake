# Generates a C++ source holding the live page: web/live.html with the dygraphs library
# (Debian's libjs-dygraphs) and web/live.js inlined, so the page is one self-contained
# response and the server has no file system access. Run at build time by apps/CMakeLists.txt.
#   -DHTML=... -DLIVE_JS=... -DDYGRAPH_JS=... -DDYGRAPH_CSS=... -DOUT=...
cmake_minimum_required(VERSION 3.21)  # new variable rules: "@NAME@" in the page is literal
file(READ "${HTML}" html)
file(READ "${LIVE_JS}" live_js)
file(READ "${DYGRAPH_JS}" dygraph_js)
file(READ "${DYGRAPH_CSS}" dygraph_css)
# Source maps are not served.
string(REGEX REPLACE "//# sourceMappingURL=[^\n]*" "" dygraph_js "${dygraph_js}")
string(REGEX REPLACE "/\\*# sourceMappingURL=[^*]*\\*/" "" dygraph_css "${dygraph_css}")
string(REPLACE "/*@DYGRAPH_CSS@*/" "${dygraph_css}" html "${html}")
string(REPLACE "/*@DYGRAPH_JS@*/" "${dygraph_js}" html "${html}")
string(REPLACE "/*@LIVE_JS@*/" "${live_js}" html "${html}")
# Raw string literals of at most ~16 KB each (compilers limit one literal's length).
set(chunks "")
string(LENGTH "${html}" total)
set(pos 0)
while(pos LESS total)
  string(SUBSTRING "${html}" ${pos} 16000 piece)
  string(APPEND chunks "R\"resonant_page(${piece})resonant_page\"\n")
  math(EXPR pos "${pos} + 16000")
endwhile()
file(WRITE "${OUT}.tmp"
"// Generated from web/live.html, web/live.js and libjs-dygraphs by cmake/embed_live_page.cmake.
#include \"apps/live_server.hpp\"

namespace resonant::apps {
namespace {
constexpr char page[] =
${chunks};
}  // namespace

std::string_view live_page_html() noexcept {
  return {page, sizeof page - 1};
}

}  // namespace resonant::apps
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
