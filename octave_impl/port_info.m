function lines = port_info()
% PORT_INFO  The info task's facts about this process (docs/interchange.md), as 'KEY VALUE' lines: version,
%   blas (the BLAS library actually loaded), blas_core, blas_threads, blas_threads_source and clock.
%
%   lines = port_info()   a cell array of strings, for interchange.write_info
%
% Apart from the dispatcher (run_folder.m) and from the maths. The library is read from what is mapped into
% the process (/proc/self/maps) and from version('-blas'). Octave cannot read the thread count from
% OpenBLAS itself: it has no way to call a C function of a loaded library without compiling one (an oct
% file, which needs a compiler and Octave's headers, beyond what ships with the language). So the count is
% inferred the way OpenBLAS works it out when it loads, and blas_threads_source says so ('inferred ...').
% MATLAB reports its own: maxNumCompThreads, the thread count of its math libraries.
if exist('OCTAVE_VERSION', 'builtin')
  version_line = ['GNU Octave ' OCTAVE_VERSION];
  reported = version('-blas');  % OpenBLAS: its configuration, including the core type it picked at load
else
  version_line = ['MATLAB ' version()];
  try
    reported = version('-blas');  % accepted by MATLAB, though not documented
  catch
    reported = 'unknown';
  end
end
[loaded, libblas] = loaded_blas();
kind = blas_kind(reported, libblas);
if strcmp(kind, 'reference')
  blas = ['reference BLAS (netlib) ' libblas ' (version(''-blas'') says: ' reported loaded ')'];
  core = 'n/a (reference BLAS)';
else
  blas = [reported loaded];
  core = openblas_core(reported);
end
[threads, how] = blas_threads(kind, reported);
lines = {['version ' version_line], ...
         ['blas ' blas], ...
         ['blas_core ' core], ...
         ['blas_threads ' threads], ...
         ['blas_threads_source ' how], ...
         ['clock ' clock_description()]};
end

function text = clock_description()
if exist('OCTAVE_VERSION', 'builtin')
  text = 'tic/toc: Octave''s wall-clock timer (real time in whole microseconds, not monotonic)';
else
  text = 'tic/toc: MATLAB''s high-resolution timer';
end
end

function [text, libblas] = loaded_blas()
% The BLAS libraries mapped into this process (/proc/self/maps shows the real files behind the links), and
% the one loaded as libblas.so.3, whose symbols the BLAS calls resolve to.
text = '';
libblas = '';
if ~exist('/proc/self/maps', 'file')
  return;
end
maps = regexp(fileread('/proc/self/maps'), '\n', 'split');
paths = {};
for i = 1:numel(maps)
  path = regexp(maps{i}, '(/\S*/lib(open)?blas[^/\s]*\.so[^/\s]*)$', 'tokens', 'once');
  if ~isempty(path) && ~any(strcmp(paths, path{1}))
    paths{end + 1} = path{1}; %#ok<AGROW>
    if isempty(libblas) && ~isempty(regexp(path{1}, '/libblas\.so', 'once'))
      libblas = path{1};
    end
  end
end
if isempty(paths)
  text = ', no BLAS library found in /proc/self/maps';
else
  text = [', loaded: ' strjoin(paths, ', ')];
end
end

function kind = blas_kind(reported, libblas)
% 'openblas', 'reference' or 'other'. Debian picks libblas.so.3 with its alternatives: the reference BLAS
% lives in .../blas/, OpenBLAS in .../openblas*/. OpenBLAS can also be mapped through liblapack.so.3 while
% libblas.so.3 is the reference one; version('-blas') then names OpenBLAS, but BLAS calls go to the latter.
if ~isempty(regexp(libblas, '/blas/libblas', 'once'))
  kind = 'reference';
elseif ~isempty(strfind(reported, 'OpenBLAS')) || ~isempty(strfind(libblas, 'openblas'))
  kind = 'openblas';
else
  kind = 'other';
end
end

function core = openblas_core(reported)
% OpenBLAS's configuration string names the kernel set (core type) chosen for this CPU when it loaded.
core = regexp(reported, 'DYNAMIC_ARCH\s+(?:NO_AFFINITY\s+)?(\w+)', 'tokens', 'once');
if isempty(core)
  core = 'unknown (not in the BLAS configuration string)';
else
  core = [core{1} ' (from the OpenBLAS configuration string)'];
end
end

function [threads, how] = blas_threads(kind, reported)
% The thread count OpenBLAS takes when it loads: OPENBLAS_NUM_THREADS, else GOTO_NUM_THREADS, else
% OMP_NUM_THREADS, else one per CPU; never more than the CPUs available to the process, nor than the
% MAX_THREADS it was built with. Debian's reference BLAS is single-threaded.
if ~exist('OCTAVE_VERSION', 'builtin')
  threads = sprintf('%d', maxNumCompThreads());
  how = 'library: MATLAB''s maxNumCompThreads (the threads of its math libraries)';
  return;
elseif strcmp(kind, 'reference')
  threads = '1';
  how = 'inferred: the reference BLAS (netlib) is single-threaded';
  return;
elseif ~strcmp(kind, 'openblas')
  threads = 'unknown';
  how = 'unknown: not OpenBLAS, and its thread count cannot be read from here';
  return;
end
cpus = available_cpus();
limit = cpus;
built = regexp(reported, 'MAX_THREADS=(\d+)', 'tokens', 'once');
if ~isempty(built)
  limit = min(limit, str2double(built{1}));
end
names = {'OPENBLAS_NUM_THREADS', 'GOTO_NUM_THREADS', 'OMP_NUM_THREADS'};
for i = 1:numel(names)
  value = str2double(getenv(names{i}));
  if isfinite(value) && value >= 1
    threads = sprintf('%d', min(floor(value), limit));
    how = sprintf('inferred from %s=%s, which OpenBLAS reads when it loads (capped at the %d available CPUs)', ...
                  names{i}, getenv(names{i}), cpus);
    return;
  end
end
threads = sprintf('%d', limit);
how = sprintf('inferred: no thread variable set, so OpenBLAS uses one thread per available CPU (%d)', cpus);
end

function n = available_cpus()
if exist('OCTAVE_VERSION', 'builtin')
  n = nproc('current');  % plain nproc() would give OMP_NUM_THREADS when that is set
else
  n = feature('numcores');
end
end

