// The Scilab port's entry point (tasks in docs/interchange.md):
//     scilab-cli -nb -nouserstartup -f scilab_impl/entry.sce -args TASK_FOLDER    (one task)
//     scilab-cli -nb -nouserstartup -f scilab_impl/entry.sce -args --worker       (a worker: requests on stdin)
// Mirrors python_impl/entry.py: this file is the protocol (the command line, the worker loop and the one-line
// errors); it runs a request's task (tasks.sci, on inputs checked by checks.sci, timed by kernels.sci) and
// writes the results. Inputs arrive one sample per column (the transpose of the Python arrays); class labels
// and mini-batch rows arrive 0-based and become 1-based in checks.sci, once.

funcprot(0);

// Runs a task folder: reads config.txt and in/, runs its task (tasks.sci) and writes out/ (the manifest last).
// `state` is what a worker's tasks hold between requests (a training run, a benchmark case); the updated state
// is returned.
function state = run_folder(task_dir, state)
    config = read_config(task_dir);
    inputs = struct();
    ndim_of = struct();
    if isfile(task_dir + "/in/manifest.txt") then
        [inputs, ndim_of] = read_arrays(task_dir + "/in");
    end
    out_dir = task_dir + "/out";
    if ~isfield(config, "task") then
        error("config.txt has no task line");
    end
    if and(config.task <> task_names()) then
        error(msprintf("unknown task %s (%s)", config.task, strcat(task_names(), ", ")));
    end
    execstr("task = task_" + config.task + ";");  // the task's function (tasks.sci)
    [result, out_ndim_of, state] = task(config, inputs, ndim_of, state);
    if isfield(result, "info") then  // the info task's facts, KEY VALUE lines
        mkdir(out_dir);
        mputl(result.info, out_dir + "/info.txt");
        result = struct();
        out_ndim_of = struct();
    end
    write_arrays(out_dir, result, out_ndim_of);
endfunction

// The last error as one line, with where it happened.
function s = last_error()
    [msg, n, line, func] = lasterror();
    place = "";
    if func <> "" & line > 0 then
        place = msprintf(" (in %s, line %d)", func, line);
    end
    s = strcat(stripblanks(msg), " ") + place;
endfunction

// Worker mode: "run TASK_FOLDER" lines on standard input, one answer line each on standard output.
function serve()
    state = struct();
    mprintf("nnbench-ready\n");
    while %t
        line = mgetl(%io(1), 1);
        if line == [] then
            break
        end
        line = stripblanks(line);
        if line == "quit" then
            break
        elseif line == "" then
            continue
        end
        try
            if part(line, 1:4) <> "run " then
                error(msprintf("unknown request ''%s'' (expected: run TASK_FOLDER, or quit)", line));
            end
            state = run_folder(stripblanks(part(line, 5:length(line))), state);
            mprintf("nnbench-done\n");
        catch
            mprintf("nnbench-error %s\n", last_error());
        end
    end
endfunction

try
    __here = get_absolute_file_path("entry.sce");
    for __file = ["layers", "gradient", "perceptron", "two_layer_net", "train", "fused", "interchange", "info", ..
                  "checks", "kernels", "tasks"]
        exec(__here + __file + ".sci", -1);
    end
    __args = sciargs();
    __k = find(__args == "-args");
    if __k == [] | __k == size(__args, "*") then
        error("usage: scilab-cli -nb -nouserstartup -f scilab_impl/entry.sce -args TASK_FOLDER|--worker");
    end
    if __args(__k + 1) == "--worker" then
        serve();
    else
        run_folder(__args(__k + 1), struct());
    end
catch
    mfprintf(0, "error: %s\n", last_error());
    exit(1);
end
exit(0);
