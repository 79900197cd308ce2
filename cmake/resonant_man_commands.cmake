# cmake -DRESONANT=path/to/resonant -DOUT=file -P resonant_man_commands.cmake
# Writes a help2man include file with a COMMANDS section: each subcommand that `resonant --help`
# lists, with its own --help verbatim, so the man page documents every option.
execute_process(COMMAND "${RESONANT}" --help OUTPUT_VARIABLE top RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${RESONANT} --help failed")
endif()
string(FIND "${top}" "Subcommands:" at)
string(SUBSTRING "${top}" ${at} -1 listing)
string(REGEX MATCHALL "\n  [a-z]+ " names "${listing}")
set(text "[COMMANDS]\n")
foreach(name IN LISTS names)
  string(STRIP "${name}" name)
  execute_process(COMMAND "${RESONANT}" ${name} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${RESONANT} ${name} --help failed")
  endif()
  # roff: a backslash is \e; a line starting with . or ' is protected by \&.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(APPEND text ".SS \"resonant ${name}\"\n.nf\n${help}.fi\n")
endforeach()
file(WRITE "${OUT}" "${text}")
