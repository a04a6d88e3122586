// The info task's facts about this process (docs/interchange.md): Scilab's version, the BLAS library actually
// loaded, the thread count in force and the clock the timings use. Apart from the dispatcher (entry.sce) and
// from the maths; what ships with Scilab only.
//
// The thread count is inferred, and blas_threads_source says so ("inferred ..."): Scilab's link() can load
// OpenBLAS's openblas_get_num_threads, but call() passes every argument by reference and drops the value a C
// function returns, which is the only way that function answers (its Fortran twin, openblas_get_num_threads_,
// returns its value the same way). So the count is worked out as OpenBLAS works it out when it loads.

// The info lines, "KEY VALUE": version, blas, blas_core, blas_threads, blas_threads_source, malloc, clock.
function text = port_info()
    [blas, core] = loaded_blas();
    [threads, how] = blas_threads(blas);
    v = getversion("scilab");
    text = ["version Scilab " + strcat(string(v(1:3)), ".") + " (" + getversion() + ")";
            "blas " + blas;
            "blas_core " + core;
            "blas_threads " + string(threads);
            "blas_threads_source " + how;
            "malloc " + malloc_settings();
            "clock tic/toc (gettimeofday wall clock, 1 us resolution, corrected across midnight)"];
endfunction

// The first line of a command's output matching a regular expression, or "" when none does.
function s = first_match(text, pattern)
    s = "";
    k = grep(text, pattern, "r");
    if k <> [] then
        s = text(k(1));
    end
endfunction

// The BLAS this process actually loaded: the shared libraries mapped into it (from /proc/PID/maps, where
// the kernel shows the real file behind every symbolic link), and Debian's alternatives link that chose it.
function [blas, core] = loaded_blas()
    maps = mgetl("/proc/" + string(getpid()) + "/maps");
    files = [];
    for k = grep(maps, "/\/lib(open)?blas[^\/]*\.so/", "r")
        path = part(maps(k), strindex(maps(k), "/")(1):length(maps(k)));
        if files == [] | and(files <> path) then
            files($ + 1) = path;
        end
    end
    if files == [] then
        blas = "unknown (no BLAS library in /proc/self/maps)";
        core = "unknown";
        return
    end
    openblas = first_match(files, "/\/libopenblas/");
    if openblas <> "" then
        [s, e, m, v] = regexp(openblas, "/-r(\d+\.\d+\.\d+)/");  // libopenblasp-r0.3.21.so
        blas = "OpenBLAS " + strcat(v, "") + ", " + openblas;
    elseif first_match(files, "/\/blas\/libblas/") <> "" then
        blas = "reference BLAS (netlib), " + files(1);
    else
        blas = strcat(files, ", ");
    end
    // Debian selects libblas.so.3 with the alternatives system: name the link that led to the file.
    libblas = first_match(files, "/\/libblas\.so/");
    for alternative = matrix(listfiles("/etc/alternatives/libblas.so.3*"), 1, -1)
        if libblas <> "" & unix_g("readlink -f ''" + alternative + "''") == libblas then
            blas = blas + " (libblas.so.3 via " + alternative + " -> " + libblas + ")";
        end
    end
    core = "n/a";
    if openblas <> "" then
        core = openblas_core();
    end
endfunction

// OpenBLAS picks its kernels for the CPU when it loads and tells which when OPENBLAS_VERBOSE=2: ask a
// second Scilab (same executable, same libraries, same environment) to start and exit.
function core = openblas_core()
    core = "unknown";
    exe = sciargs()(1);
    if part(exe, length(exe) - 3:length(exe)) == "-bin" & isfile(part(exe, 1:length(exe) - 4)) then
        exe = part(exe, 1:length(exe) - 4);  // the scilab-cli wrapper script around scilab-cli-bin
    end
    script = TMPDIR + "/nnbench_exit.sce";
    mputl("exit(0);", script);
    out = unix_g("OPENBLAS_VERBOSE=2 ''" + exe + "'' -nb -nouserstartup -f ''" + script + "'' 2>&1");
    line = first_match(out, "/Core: *\w+/");
    if line <> "" then
        [s, e, m] = regexp(line, "/Core: *\w+/");
        core = stripblanks(part(m(1), 6:length(m(1)))) + " (OPENBLAS_VERBOSE=2 in a child scilab-cli)";
    end
endfunction

// The thread count OpenBLAS takes at load time: OPENBLAS_NUM_THREADS, else GOTO_NUM_THREADS, else
// OMP_NUM_THREADS, else one per available CPU; never more than the CPUs available to the process. Any other
// BLAS found here (the reference BLAS) has one.
function [threads, how] = blas_threads(blas)
    if part(blas, 1:8) <> "OpenBLAS" then
        threads = 1;
        how = "inferred: the loaded BLAS is not OpenBLAS, taken as single-threaded (the reference BLAS is)";
        return
    end
    // the CPUs this process may use (nproc itself would answer OMP_NUM_THREADS when that is set)
    cpus = strtod(unix_g("env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc"));
    for var = ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"]
        value = getenv(var, "");
        if value <> "" & strtod(value) > 0 then
            threads = min(floor(strtod(value)), cpus);
            how = msprintf("inferred from %s=%s, which OpenBLAS reads when it loads (capped at the %d available CPUs)", ..
                           var, value, cpus);
            return
        end
    end
    threads = cpus;
    how = msprintf("inferred: no thread variable set, so OpenBLAS uses one thread per available CPU (%d)", cpus);
endfunction

// glibc's malloc settings from the environment: Scilab allocates a new matrix for every result, and with
// glibc's defaults the heap is trimmed and regrown (page faults) many times per training step.
function s = malloc_settings()
    s = [];
    for var = ["GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX"]
        if getenv(var, "") <> "" then
            s($ + 1) = var + "=" + getenv(var);
        end
    end
    if s == [] then
        s = "glibc defaults";
    else
        s = strcat(s, " ");
    end
endfunction
