# ent_add_test(NAME <name> SOURCES <files...> DEPS <targets...> [LABELS <labels...>])
# Declares a GoogleTest executable and registers it with CTest.
function(ent_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gmock GTest::gtest GTest::gtest_main)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT 300)
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()

# ent_use_fast_allocator(<target>): links jemalloc into a service binary when available.
function(ent_use_fast_allocator target)
  if(ENT_JEMALLOC)
    target_link_libraries(${target} PRIVATE ${ENT_JEMALLOC})
  endif()
endfunction()
