

  # The project itself, as lock2nix read it from its pyproject.toml files.
  project = @PROJECT_DATA@;

  # Each entry point as a script running it with `python`, as pip's console-script wrappers do.
  writeEntryPoints =
    python: scripts:
    lib.concatMapStrings (s: ''
      printf '%s\n' '#!/bin/sh' ${
        lib.escapeShellArg "exec ${python} -c 'import sys; from ${s.module} import ${s.object}; sys.exit(${s.call}())' \"$@\""
      } > "$out/bin/${s.name}"
      chmod +x "$out/bin/${s.name}"
    '') scripts;

  # The project's working trees on the import path, found where the shell starts (the folder
  # holding this file, or $LOCK2NIX_PROJECT_ROOT), so no path of this checkout enters the store.
  editableHook = ''
    lock2nix_root="''${LOCK2NIX_PROJECT_ROOT:-}"
    if [ -z "$lock2nix_root" ]; then
      lock2nix_dir="$PWD"
      while [ "$lock2nix_dir" != / ] && [ ! -e "$lock2nix_dir"/${lib.escapeShellArg project.generatedFile} ]; do
        lock2nix_dir="$(dirname "$lock2nix_dir")"
      done
      if [ -e "$lock2nix_dir"/${lib.escapeShellArg project.generatedFile} ]; then lock2nix_root="$lock2nix_dir"; fi
    fi
    if [ -z "$lock2nix_root" ]; then
      echo "lock2nix: no ${project.generatedFile} in $PWD or a folder above it, so the project is not importable editable; start the shell inside the project or set LOCK2NIX_PROJECT_ROOT" >&2
    else
      export LOCK2NIX_PROJECT_ROOT="$lock2nix_root"
      ${lib.concatMapStrings (p: ''
        export PYTHONPATH="$lock2nix_root"${lib.escapeShellArg p}"''${PYTHONPATH:+:$PYTHONPATH}"
      '') project.editable}
    fi
  '';

  # The group's environment without the project's own trees (they are imported from the working
  # tree instead), and the project's scripts running with it.
  devShellFor =
    group:
    let
      env = devEnvs.${group};
    in
    pkgs.mkShell {
      packages = [
        env
        (pkgs.runCommand "${project.name}-editable-scripts" { } ''
          mkdir -p "$out/bin"
          ${writeEntryPoints "${env}/bin/python" project.editableScripts}
        '')
      ];
      shellHook = editableHook;
    };

  devEnvs = @DEV_ENVS@;

  appEnv = @APP_ENV@;