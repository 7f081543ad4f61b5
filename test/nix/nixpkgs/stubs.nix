# Stubs for native packages, named as in nixpkgs. A stub is a tiny real derivation that records it
# was asked for: nix-support/lock2nix-stub holds its name (in every output), and a library stub has
# lib/pkgconfig/<name>.pc files under the library's real pkg-config names (in `dev` when the stub
# has that output, as nixpkgs lays libraries out). Stubs hold no headers, libraries or programs:
# a build that really needs the library fails, which is what the stand-in is meant to show.
# The build logs "lock2nix stand-in: build input '<name>' is a stub" for each stub in its inputs.
#
# To add a stub, add a line to `specs`:
#   name = { };                                       a tool or hook
#   name = { pc = [ "pc-name" ]; version = "1.2"; };  a library (single output)
#   name = { pc = [ ... ]; dev = true; };             a library with a `dev` output
{ lib, stdenv }:
let
  specs = {
    # tools and hooks
    cargo = { };
    rustc = { };
    cmake = { };
    gfortran = { };
    # libraries (pc names as the upstream projects install them)
    libxslt = { pc = [ "libxslt" "libexslt" ]; version = "1.1.43"; dev = true; };
    zlib = { pc = [ "zlib" ]; version = "1.3.1"; dev = true; };
    openssl = { pc = [ "openssl" "libssl" "libcrypto" ]; version = "3.4.1"; dev = true; };
    libffi = { pc = [ "libffi" ]; version = "3.4.8"; dev = true; };
    libyaml = { pc = [ "yaml-0.1" ]; version = "0.2.5"; };
    libpq = { pc = [ "libpq" ]; version = "17.5"; dev = true; pg_config = true; };
    postgresql = { pc = [ "libpq" ]; version = "17.5"; dev = true; pg_config = true; };
    libiconv = { };
    c-ares = { pc = [ "libcares" ]; version = "1.34.5"; dev = true; };
    libuv = { pc = [ "libuv" ]; version = "1.50.0"; dev = true; };
    libev = { version = "4.33"; };
    zeromq = { pc = [ "libzmq" ]; version = "4.3.5"; };
    libsodium = { pc = [ "libsodium" ]; version = "1.0.20"; dev = true; };
    geos = { version = "3.13.1"; };
    hdf5 = { pc = [ "hdf5" ]; version = "1.14.6"; dev = true; };
    openldap = { pc = [ "ldap" "lber" ]; version = "2.6.9"; dev = true; };
    cyrus_sasl = { pc = [ "libsasl2" ]; version = "2.1.28"; dev = true; };
    curl = { pc = [ "libcurl" ]; version = "8.13.0"; dev = true; };
    freetype = { pc = [ "freetype2" ]; version = "2.13.3"; dev = true; };
    cairo = { pc = [ "cairo" ]; version = "1.18.2"; dev = true; };
    # named by the override library (overrides/nixpkgs-attributes.txt)
    arrow-cpp = { pc = [ "arrow" "parquet" ]; version = "20.0.0"; dev = true; };
    blas = { pc = [ "blas" "cblas" ]; version = "3"; dev = true; };
    lapack = { pc = [ "lapack" "lapacke" ]; version = "3"; dev = true; };
    brotli = { pc = [ "libbrotlicommon" "libbrotlidec" "libbrotlienc" ]; version = "1.1.0"; dev = true; };
    crc32c = { version = "1.1.2"; };
    freetds = { version = "1.4.26"; };
    gdal = { pc = [ "gdal" ]; version = "3.11.0"; };
    glib = { pc = [ "glib-2.0" "gobject-2.0" "gio-2.0" ]; version = "2.84.1"; dev = true; };
    gobject-introspection = { pc = [ "gobject-introspection-1.0" ]; version = "1.84.0"; dev = true; };
    krb5 = { pc = [ "krb5" "krb5-gssapi" ]; version = "1.21.3"; dev = true; };
    lcms2 = { pc = [ "lcms2" ]; version = "2.17"; dev = true; };
    libargon2 = { pc = [ "libargon2" ]; version = "20190702"; };
    libavif = { pc = [ "libavif" ]; version = "1.2.1"; dev = true; };
    libimagequant = { pc = [ "imagequant" ]; version = "4.3.4"; dev = true; };
    libjpeg = { pc = [ "libjpeg" "libturbojpeg" ]; version = "3.1.0"; dev = true; };
    libmaxminddb = { pc = [ "libmaxminddb" ]; version = "1.12.2"; dev = true; };
    libmysqlclient = { pc = [ "libmariadb" "mysqlclient" ]; version = "3.4.5"; dev = true; };
    libraqm = { pc = [ "raqm" ]; version = "0.10.2"; dev = true; };
    libtiff = { pc = [ "libtiff-4" ]; version = "4.7.0"; dev = true; };
    libtool = { };
    libwebp = { pc = [ "libwebp" "libwebpdemux" "libwebpmux" ]; version = "1.5.0"; };
    libxcb = { pc = [ "xcb" ]; version = "1.17.0"; dev = true; };
    llhttp = { pc = [ "libllhttp" ]; version = "9.2.1"; dev = true; };
    openjpeg = { pc = [ "libopenjp2" ]; version = "2.5.3"; dev = true; };
    portaudio = { pc = [ "portaudio-2.0" ]; version = "190700"; };
    proj = { pc = [ "proj" ]; version = "9.6.0"; dev = true; };
    protobuf = { pc = [ "protobuf" ]; version = "30.2"; };
    qhull = { pc = [ "qhull_r" ]; version = "2020.2"; };
    rapidfuzz-cpp = { pc = [ "rapidfuzz" ]; version = "3.3.2"; };
    rdkafka = { pc = [ "rdkafka" ]; version = "2.10.0"; };
    taskflow = { version = "3.10.0"; };
    unixodbc = { pc = [ "odbc" ]; version = "2.3.12"; };
    xmlsec = { pc = [ "xmlsec1" ]; version = "1.3.7"; dev = true; };
    xsimd = { version = "13.2.0"; };
    yajl = { pc = [ "yajl" ]; version = "2.1.0"; };
    zlib-ng = { pc = [ "zlib-ng" ]; version = "2.2.4"; dev = true; };
    # named by pythonManylinuxPackages (see default.nix)
    glibc = { version = "2.40"; };
    libGL = { version = "1.7.0"; };
    ncurses5 = { version = "6.5"; };
    libxcrypt = { pc = [ "libxcrypt" ]; version = "4.4.38"; };
  };
  # xorg.<name> (pkgs/servers/x11/xorg)
  xorgSpecs = {
    libX11 = { pc = [ "x11" ]; version = "1.8.12"; dev = true; };
    libXext = { pc = [ "xext" ]; version = "1.3.6"; dev = true; };
    libXrender = { pc = [ "xrender" ]; version = "0.9.12"; dev = true; };
    libICE = { pc = [ "ice" ]; version = "1.1.2"; dev = true; };
    libSM = { pc = [ "sm" ]; version = "1.2.6"; dev = true; };
  };

  mkStub = name: spec:
    let
      version = spec.version or "0";
      pcs = spec.pc or [ ];
      outputs = [ "out" ] ++ lib.optional (spec.dev or false) "dev";
    in
    stdenv.mkDerivation {
      pname = name;
      inherit version outputs;
      stubName = name;
      pcNames = pcs;
      buildCommand = ''
        for o in $outputs; do
          eval "d=\$$o"
          mkdir -p "$d/nix-support"
          echo "$stubName" > "$d/nix-support/lock2nix-stub"
        done
        # the dev output brings the library with it, as in nixpkgs
        if [ -n "''${dev-}" ]; then echo "$out" > "$dev/nix-support/propagated-build-inputs"; fi
        pcdir="''${dev:-$out}/lib/pkgconfig"
        for pc in $pcNames; do
          mkdir -p "$pcdir"
          printf '%s\n' "prefix=$out" 'libdir=''${prefix}/lib' "includedir=''${dev:-$out}/include" \
            "Name: $pc" "Description: lock2nix stand-in stub for $stubName" "Version: $version" \
            'Libs: -L''${libdir}' 'Cflags: -I''${includedir}' > "$pcdir/$pc.pc"
        done
      '';
      passthru = lib.optionalAttrs (spec.pg_config or false) { pg_config = pgConfig name version; };
    };

  # libpq.pg_config / postgresql.pg_config: a stub `pg_config` program.
  pgConfig = name: version: stdenv.mkDerivation {
    pname = "${name}-pg_config";
    inherit version;
    stubName = "${name}.pg_config";
    buildCommand = ''
      mkdir -p "$out/bin" "$out/nix-support"
      echo "$stubName" > "$out/nix-support/lock2nix-stub"
      cat > "$out/bin/pg_config" <<EOF
      #!/bin/sh
      # lock2nix stand-in stub of pg_config: it answers, but there is no real PostgreSQL behind it.
      case "\$1" in
        --version) echo "PostgreSQL $version (lock2nix stand-in stub)" ;;
        *) echo "$out/\''${1#--}" ;;
      esac
      EOF
      chmod +x "$out/bin/pg_config"
    '';
  };

  stub = name: mkStub name { };
  stubs = lib.mapAttrs mkStub specs;
in
stubs // {
  xorg = lib.mapAttrs (n: spec: mkStub "xorg.${n}" spec) xorgSpecs;
  # nixpkgs' rustPlatform, reduced to what generated code names. The hooks have no effect;
  # importCargoLock and fetchCargoVendor return a stub derivation (fetchCargoVendor does not fetch
  # anything, so its `hash` is not checked).
  rustPlatform = {
    cargoSetupHook = stub "rustPlatform.cargoSetupHook";
    maturinBuildHook = stub "rustPlatform.maturinBuildHook";
    importCargoLock = { lockFile ? null, lockFileContents ? null, outputHashes ? { }, ... }:
      stub "rustPlatform.importCargoLock";
    fetchCargoVendor = { hash ? "", name ? "${args.pname or "source"}-${args.version or ""}-vendor", ... }@args:
      stub "rustPlatform.fetchCargoVendor";
  };
  # For tests that want a stub of their own.
  lock2nixStub = stub;
}
