% entry.m: the Octave port's command-line entry (docs/interchange.md),
%
%   octave-cli --norc --quiet octave_impl/entry.m TASK_DIR
%
% Puts this folder on the path and runs nnbench_main(TASK_DIR). On any error it prints one line
% 'error: ...' to standard error and exits with code 1. (In MATLAB, call nnbench_main(task_dir).)
addpath(fileparts(mfilename('fullpath')));
nnbench_args = argv();
if numel(nnbench_args) ~= 1
  fprintf(2, 'error: usage: octave-cli --norc --quiet octave_impl/entry.m TASK_DIR\n');
  exit(2);
end
try
  nnbench_main(nnbench_args{1});
catch nnbench_err
  fprintf(2, 'error: %s\n', strtrim(regexprep(nnbench_err.message, '\s+', ' ')));
  exit(1);
end
