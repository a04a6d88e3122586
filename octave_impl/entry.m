% entry.m: the Octave port's command-line entry (docs/interchange.md),
%
%   octave-cli --norc --quiet octave_impl/entry.m TASK_DIR     runs one task folder
%   octave-cli --norc --quiet octave_impl/entry.m --worker     a worker: serves requests from standard input
%
% Puts this folder on the path and runs run_folder(TASK_DIR). On any error it prints one line
% 'error: ...' to standard error and exits with code 1. As a worker it prints 'nnbench-ready', then answers
% each 'run TASK_DIR' line with 'nnbench-done' or 'nnbench-error MESSAGE', until 'quit' or the end of its
% input. (In MATLAB, call run_folder(task_dir).)
addpath(fileparts(mfilename('fullpath')));
nnbench_args = argv();
if numel(nnbench_args) ~= 1
  fprintf(2, 'error: usage: octave-cli --norc --quiet octave_impl/entry.m TASK_DIR|--worker\n');
  exit(2);
end
if ~strcmp(nnbench_args{1}, '--worker')
  try
    run_folder(nnbench_args{1});
  catch nnbench_err
    fprintf(2, 'error: %s\n', strtrim(regexprep(nnbench_err.message, '\s+', ' ')));
    exit(1);
  end
else
  fprintf('nnbench-ready\n');
  fflush(stdout);
  while true
    % One request line, read a character at a time: fgetl and fgets on a pipe return a line only once the
    % next one has begun, which would leave every request waiting for the one after it.
    nnbench_line = '';
    nnbench_char = fread(stdin, 1, 'char=>char');
    while ~isempty(nnbench_char) && nnbench_char ~= char(10)
      nnbench_line = [nnbench_line nnbench_char]; %#ok<AGROW>
      nnbench_char = fread(stdin, 1, 'char=>char');
    end
    nnbench_line = strtrim(nnbench_line);
    if strcmp(nnbench_line, 'quit') || (isempty(nnbench_char) && isempty(nnbench_line))
      break;
    elseif isempty(nnbench_line)
      continue;
    end
    try
      if ~strncmp(nnbench_line, 'run ', 4)
        error('unknown request ''%s'' (expected: run TASK_DIR, or quit)', nnbench_line);
      end
      run_folder(strtrim(nnbench_line(5:end)));
      fprintf('nnbench-done\n');
    catch nnbench_err
      fprintf('nnbench-error %s\n', strtrim(regexprep(nnbench_err.message, '\s+', ' ')));
    end
    fflush(stdout);
  end
end
