# schemashift_target(<target>): the project's compile settings for one target: C++20 and the
# warning set, as errors unless SCHEMASHIFT_WERROR is off. Per target, never global.
function(schemashift_target target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual)
  if(SCHEMASHIFT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
