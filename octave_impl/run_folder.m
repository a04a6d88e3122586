function run_folder(task_dir)
% RUN_FOLDER  Runs one harness task folder (docs/interchange.md): reads TASK/config.txt and TASK/in/,
%   computes, and writes TASK/out/ (the manifest last). Errors are raised as MATLAB errors; entry.m turns
%   them into one 'error: ...' line and exit code 1 (or, in a worker, an 'nnbench-error' answer). MATLAB
%   users can call this function directly. (Every port's dispatcher has this name: run_folder.)
%
%   run_folder('/tmp/task')
%
% The protocol's half that runs a request (entry.m is the command line and the worker loop): the task (tasks.m)
% gets its inputs, checked and converted by checks.m (docs/porting.md), and is timed by kernels.m.
%
% What a worker's tasks hold between requests (a training run, a benchmark case) is kept in a persistent
% variable, handed to each task and taken back: train_begin, then train_steps ..., then train_end; bench_begin,
% then bench_round ...
%
% The config key variant (perceptron, train, first_step, train_*, bench_begin) picks the code that is run:
% layers (the default: the book's layer structs, TwoLayerNet and sgd_step) or fused (fused_step and
% fused_perceptron_train: the same maths written inline). A worker holds one training run per variant.
persistent state
if isempty(state)
  state = struct();
end
config = interchange.read_config(task_dir);
if ~isfield(config, 'task')
  error('config.txt has no task line');
end
in_dir = fullfile(task_dir, 'in');
if exist(fullfile(in_dir, 'manifest.txt'), 'file')
  inputs = interchange.read_arrays(in_dir);
else
  inputs = struct();
end
out_dir = fullfile(task_dir, 'out');
% every task has the same signature: [results, state] = tasks.task_NAME(config, inputs, state)
switch config.task
  case 'noop'
    [results, state] = tasks.task_noop(config, inputs, state);
  case 'info'
    [results, state] = tasks.task_info(config, inputs, state);
  case 'grad'
    [results, state] = tasks.task_grad(config, inputs, state);
  case 'layers'
    [results, state] = tasks.task_layers(config, inputs, state);
  case 'perceptron'
    [results, state] = tasks.task_perceptron(config, inputs, state);
  case 'train'
    [results, state] = tasks.task_train(config, inputs, state);
  case 'first_step'
    [results, state] = tasks.task_first_step(config, inputs, state);
  case 'train_begin'
    [results, state] = tasks.task_train_begin(config, inputs, state);
  case 'train_steps'
    [results, state] = tasks.task_train_steps(config, inputs, state);
  case 'train_warmup'
    [results, state] = tasks.task_train_warmup(config, inputs, state);
  case 'train_end'
    [results, state] = tasks.task_train_end(config, inputs, state);
  case 'bench_begin'
    [results, state] = tasks.task_bench_begin(config, inputs, state);
  case 'bench_round'
    [results, state] = tasks.task_bench_round(config, inputs, state);
  otherwise
    error('unknown task ''%s''', config.task);
end
facts = strcmp(results(:, 1), 'info');  % the info task's facts: 'KEY VALUE' lines for out/info.txt
if any(facts)
  interchange.write_info(out_dir, results{facts, 2});
  results = results(~facts, :);
end
interchange.write_arrays(out_dir, results);
end
