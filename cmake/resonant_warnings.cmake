# Interface target carrying the project's warning flags and language level.
add_library(resonant_warnings INTERFACE)
add_library(resonant::warnings ALIAS resonant_warnings)
target_compile_features(resonant_warnings INTERFACE cxx_std_20)
target_compile_options(resonant_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wdouble-promotion
  # GCC 12 at -O3 reports -Wrestrict false positives inside std::string (GCC bug 105329)
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<BOOL:${RESONANT_WERROR}>:-Werror>)
