

  # A local tree without what is not source (VCS data, virtualenvs, caches, egg-info,
  # nix-build's result links, the generated file): none of it enters the store or changes the hash.
  localSource =
    name: path:
    builtins.path {
      name = "${name}-source";
      inherit path;
      filter =
        p: type:
        let
          b = baseNameOf p;
        in
        !(
          builtins.elem b [
            ".git"
            ".hg"
            ".svn"
            ".venv"
            ".direnv"
            "__pycache__"
            ".pytest_cache"
            ".mypy_cache"
            ".ruff_cache"
            ".tox"
            ".nox"
            @GENERATED_FILE@
          ]
          || (type == "symlink" && lib.hasPrefix "result" b)
          || lib.hasSuffix ".egg-info" b
        );
    };
