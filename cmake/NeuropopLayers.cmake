# Include roots per layer (docs/DESIGN.md "Layers"): a layer's headers are included as
# "<layer>/<file>.hpp" from the repository root, but no target exports that root. Each layer gets
# a folder in the build tree holding symbolic links to its own source folder and to the folders
# of the layers below it, and publishes that folder as its include directory; so an #include
# that climbs a layer (io including jobs/, jobs including engine/) does not compile.
# Tests, benchmarks and the fuzz harnesses reach every layer and add the repository root
# themselves.
function(neuropop_layer_include_root target layer)
  set(root ${CMAKE_BINARY_DIR}/layers/${layer})
  file(MAKE_DIRECTORY ${root})
  foreach(folder ${ARGN})
    # A nested folder (engine/items) links alone, inside a real engine/ folder, so a layer can
    # see some of engine/ and not the rest.
    get_filename_component(parent ${root}/${folder} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    if(NOT IS_SYMLINK ${root}/${folder})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
    endif()
  endforeach()
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${root}>)
endfunction()
