# Embeds the built-in data model (tr181-gateway.json) into cpe_model, so that the JSON file
# is the single source of the model and the binary needs no data file at run time.
#
# src/cpe/CMakeLists.txt includes it right after add_library(cpe_model ...):
#   include(${CMAKE_CURRENT_SOURCE_DIR}/model/embed.cmake)
#
# file(READ) + configure_file() put the JSON into a C++ raw string literal at configure
# time; CMAKE_CONFIGURE_DEPENDS re-runs the configure step whenever the JSON (or the
# template) changes, and configure_file() only rewrites the .cpp when its text changed.
set(CPE_BUILTIN_MODEL_FILE ${CMAKE_CURRENT_LIST_DIR}/tr181-gateway.json)
set(CPE_BUILTIN_MODEL_TEMPLATE ${CMAKE_CURRENT_LIST_DIR}/builtin_model_data.cpp.in)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${CPE_BUILTIN_MODEL_FILE} ${CPE_BUILTIN_MODEL_TEMPLATE})
file(READ ${CPE_BUILTIN_MODEL_FILE} CPE_BUILTIN_MODEL_JSON)
string(FIND "${CPE_BUILTIN_MODEL_JSON}" ")cpe_model_json" CPE_BUILTIN_MODEL_CLASH)
if(NOT CPE_BUILTIN_MODEL_CLASH EQUAL -1)
  message(FATAL_ERROR "tr181-gateway.json contains the raw-string delimiter )cpe_model_json")
endif()
configure_file(${CPE_BUILTIN_MODEL_TEMPLATE} ${CMAKE_CURRENT_BINARY_DIR}/builtin_model_data.cpp
               @ONLY)
target_sources(cpe_model PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/builtin_model_data.cpp)
