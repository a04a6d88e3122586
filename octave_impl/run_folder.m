function run_folder(task_dir)
% RUN_FOLDER  Runs one harness task folder (docs/interchange.md): reads TASK/config.txt and TASK/in/,
%   computes, and writes TASK/out/ (the manifest last). Errors are raised as MATLAB errors; entry.m turns
%   them into one 'error: ...' line and exit code 1 (or, in a worker, an 'nnbench-error' answer). MATLAB
%   users can call this function directly. (Every port's dispatcher has this name: run_folder.)
%
%   run_folder('/tmp/task')
%
% The inputs are converted here, once, to what the port computes with (docs/porting.md): class labels and
% mini-batch rows arrive 0-based and become 1-based (labels as a 1 x N row), images become doubles in [0, 1].
%
% What a worker's tasks hold between requests (a training run, a benchmark case) is kept in a persistent
% variable: train_begin, then train_steps ..., then train_end; bench_begin, then bench_round ...
%
% The config key variant (perceptron, train, first_step, train_*, bench_begin) picks the code that is run:
% layers (the default: the book's layer structs, TwoLayerNet and sgd_step) or fused (fused_step and
% fused_perceptron: the same maths written inline). A worker holds one training run per variant.
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
switch config.task
  case 'noop'
    results = cell(0, 3);
  case 'info'
    results = task_info(out_dir);
  case 'grad'
    results = task_grad(config, inputs);
  case 'layers'
    results = task_layers(config, inputs);
  case 'perceptron'
    results = task_perceptron(config, inputs);
  case 'train'
    results = task_train(config, inputs);
  case 'first_step'
    results = task_first_step(config, inputs);
  case 'train_begin'
    [state, results] = task_train_begin(config, inputs, state);
  case 'train_steps'
    [state, results] = task_train_steps(config, state);
  case 'train_end'
    [state, results] = task_train_end(config, state);
  case 'bench_begin'
    [state, results] = task_bench_begin(config, inputs, state);
  case 'bench_round'
    results = task_bench_round(config, state);
  otherwise
    error('unknown task ''%s''', config.task);
end
interchange.write_arrays(out_dir, results);
end

% Each task returns its results as rows {NAME, VALUE, NDIM}, NDIM being the rank of the reference's array.

function results = task_info(out_dir)
interchange.write_info(out_dir, port_info());
results = cell(0, 3);
end

function value = config_number(config, key)
% A number from config.txt, with a clear error when it is missing or not a number.
if ~isfield(config, key)
  error('config.txt has no ''%s'' line', key);
end
value = str2double(config.(key));
if ~isfinite(value)
  error('config.txt: %s ''%s'' is not a number', key, config.(key));
end
end

function require_inputs(inputs, names)
% A clear error for a missing input array (instead of "structure has no member").
for i = 1:numel(names)
  if ~isfield(inputs, names{i})
    have = strjoin(fieldnames(inputs)', ' ');
    error('input array ''%s'' is missing (in/manifest.txt has: %s)', names{i}, have);
  end
end
end

function results = task_grad(config, inputs)
require_inputs(inputs, {'x', 't'});
x = inputs.x;
t = inputs.t;
numerical = isfield(config, 'numerical') && strcmp(config.numerical, '1');
if ~isfield(config, 'model')
  error('config.txt has no ''model'' line');
end
if strcmp(config.model, 'perceptron')
  require_inputs(inputs, {'W', 'b'});
  W = inputs.W;
  b = inputs.b;
  Y = t(:)';
  E = perceptron.loss(W, b, x, Y);
  if numerical
    dW = numerical_gradient(@(Wv) perceptron.loss(Wv, b, x, Y), W);
    db = numerical_gradient(@(bv) perceptron.loss(W, bv, x, Y), b);
  else
    [E, dW, db] = perceptron.gradient(W, b, x, Y);
  end
  results = {'loss', E, 0; 'W', dW, 1; 'b', db, 0};
  return;
end
if ~strcmp(config.model, 'two_layer_net')
  error('unknown model ''%s''', config.model);
end
require_inputs(inputs, {'W1', 'b1', 'W2', 'b2'});
classes = size(inputs.W2, 1);
if size(t, 1) ~= classes || size(t, 2) ~= size(x, 2)  % not one-hot (C x N): labels
  t = labels_of(t, classes);
end
net = TwoLayerNet(inputs);
if numerical
  grads = net.numerical_gradient(net, x, t);
  L = net.loss(net, x, t);
else
  [L, grads] = net.gradient(net, x, t);
end
results = {'loss', L, 0; 'W1', grads.W1, 2; 'b1', grads.b1, 1; 'W2', grads.W2, 2; 'b2', grads.b2, 1};
end

function results = task_layers(config, g) %#ok<INUSL>
require_inputs(g, {'matmul_x', 'matmul_W', 'matmul_dout', 'add_x', 'add_y', 'add_dout', 'mul_x', 'mul_y', ...
                   'mul_dout', 'relu_x', 'relu_dout', 'sigmoid_x', 'sigmoid_dout', 'affine_x', 'affine_W', ...
                   'affine_b', 'affine_dout', 'softmax_x', 'softmax_t'});
layer = MatMul(g.matmul_W);
[matmul_out, layer] = layer.forward(layer, g.matmul_x);
[matmul_dx, layer] = layer.backward(layer, g.matmul_dout);
matmul_dW = layer.dW;
layer = Add();
add_out = layer.forward(layer, g.add_x, g.add_y);
[add_dx, add_dy] = layer.backward(layer, g.add_dout);
layer = Mul();
[mul_out, layer] = layer.forward(layer, g.mul_x, g.mul_y);
[mul_dx, mul_dy] = layer.backward(layer, g.mul_dout);
layer = Relu();
[relu_out, layer] = layer.forward(layer, g.relu_x);
relu_dx = layer.backward(layer, g.relu_dout);
layer = Sigmoid();
[sigmoid_out, layer] = layer.forward(layer, g.sigmoid_x);
sigmoid_dx = layer.backward(layer, g.sigmoid_dout);
layer = Affine(g.affine_W, g.affine_b);
[affine_out, layer] = layer.forward(layer, g.affine_x);
[affine_dx, layer] = layer.backward(layer, g.affine_dout);
affine_dW = layer.dW;
affine_db = layer.db;
layer = SoftmaxWithLoss();
[softmax_loss, layer] = layer.forward(layer, g.softmax_x, g.softmax_t);
softmax_dx = layer.backward(layer, 1);
results = {'matmul_out', matmul_out, 2; 'matmul_dx', matmul_dx, 2; 'matmul_dW', matmul_dW, 2; ...
           'add_out', add_out, 2; 'add_dx', add_dx, 2; 'add_dy', add_dy, 2; ...
           'mul_out', mul_out, 2; 'mul_dx', mul_dx, 2; 'mul_dy', mul_dy, 2; ...
           'relu_out', relu_out, 2; 'relu_dx', relu_dx, 2; ...
           'sigmoid_out', sigmoid_out, 2; 'sigmoid_dx', sigmoid_dx, 2; ...
           'affine_out', affine_out, 2; 'affine_dx', affine_dx, 2; 'affine_dW', affine_dW, 2; ...
           'affine_db', affine_db, 1; ...
           'softmax_loss', softmax_loss, 0; 'softmax_dx', softmax_dx, 2};
end

function results = task_perceptron(config, inputs)
require_inputs(inputs, {'x', 'y', 'W', 'b'});
epochs = config_number(config, 'epochs');
lr = config_number(config, 'lr');
repeats = config_number(config, 'repeats');
if strcmp(variant_of(config), 'fused')
  learn = @fused_perceptron;
else
  learn = @perceptron.train;
end
X = inputs.x;
Y = inputs.y(:)';
W0 = inputs.W;
b0 = inputs.b;
times = zeros(repeats, 1);
start = tic;
[W, b, losses, solved] = learn(W0, b0, X, Y, epochs, lr);
first = toc(start);
for r = 1:repeats
  start = tic;
  [W, b, losses, solved] = learn(W0, b0, X, Y, epochs, lr);
  times(r) = toc(start);
end
results = {'W', W, 1; 'b', b, 0; 'losses', losses, 1; 'solved_epoch', solved, 0; ...
           'first_time', first, 0; 'times', times, 1};
end

function data = load_training(inputs)
% The training problem as this port holds it: images as doubles in [0, 1], one sample per column; labels
% (1 x N) and batch rows (B x I: the samples of step i are column i) 1-based.
require_inputs(inputs, {'W1', 'b1', 'W2', 'b2', 'batches', 'x_train', 't_train', 'x_test', 't_test'});
classes = size(inputs.W2, 1);
n_train = size(inputs.x_train, 2);
if any(inputs.batches(:) < 0 | inputs.batches(:) >= n_train)
  error('batch rows must be 0..%d', n_train - 1);
end
data = struct('x_train', double(inputs.x_train) / 255, 'x_test', double(inputs.x_test) / 255, ...
              't_train', labels_of(inputs.t_train, classes), 't_test', labels_of(inputs.t_test, classes), ...
              'batches', inputs.batches + 1);
end

function t = labels_of(t, classes)
% 0-based class labels as read (N values) to the 1-based row (1 x N) the port computes with: converted once,
% here, untimed, after a check that they are integers in 0..classes-1 (the fused step indexes with them
% unchecked: a label of 10 would pick a row of the next column).
t = double(t(:)');
if any(t < 0 | t >= classes | t ~= round(t))
  error('labels must be integers in 0..%d', classes - 1);
end
t = t + 1;
end

function results = task_train(config, inputs)
[model, step] = new_model(variant_of(config), inputs);
data = load_training(inputs);
iters = size(data.batches, 2);
progress = @(i) print_progress(i, iters);
[result, model] = train(model, data.x_train, data.t_train, data.x_test, data.t_test, data.batches, ...
                        config_number(config, 'lr'), config_number(config, 'eval_every'), progress, step);
results = [{'loss', result.loss, 1; 'step_times', result.step_times, 1; ...
            'train_acc', result.train_acc, 1; 'test_acc', result.test_acc, 1}; param_results(model)];
end

function print_progress(i, iters)
fprintf('progress %d %d\n', i, iters);
flush_stdout();
end

function flush_stdout()
% Octave buffers stdout when it is a pipe; MATLAB's fprintf to the screen needs no flush.
if exist('OCTAVE_VERSION', 'builtin')
  fflush(stdout);
end
end

function name = variant_of(config)
% The request's variant: layers (when config.txt has no variant line) or fused.
name = 'layers';
if isfield(config, 'variant')
  name = config.variant;
end
if ~any(strcmp(name, {'layers', 'fused'}))
  error('unknown variant ''%s'' (expected layers or fused)', name);
end
end

function [model, step] = new_model(variant, arrays)
% A model of the variant on the arrays' W1, b1, W2, b2, and its training step, called as
% [L, model] = step(model, x, t, lr): a TwoLayerNet and sgd_step, or the parameters alone and fused_step.
require_inputs(arrays, {'W1', 'b1', 'W2', 'b2'});
params = struct('W1', arrays.W1, 'b1', arrays.b1, 'W2', arrays.W2, 'b2', arrays.b2);
if strcmp(variant, 'fused')
  model = params;
  step = @fused_step;
else
  model = TwoLayerNet(params);
  step = @sgd_step;
end
end

function results = param_results(model)
% The parameters of a model (a TwoLayerNet, or the fused variant's parameter struct) as result rows.
if isfield(model, 'layers')
  params = model.get_params(model);
else
  params = model;
end
results = {'W1', params.W1, 2; 'b1', params.b1, 1; 'W2', params.W2, 2; 'b2', params.b2, 1};
end

function acc = model_accuracy(model, x, t)
% The accuracy of a model of either variant (the fused one is evaluated by a TwoLayerNet on its parameters).
if ~isfield(model, 'layers')
  model = TwoLayerNet(model);
end
acc = model.accuracy(model, x, t);
end

function results = task_first_step(config, inputs)
% One training step of the variant timed alone: in a fresh process, the first call.
require_inputs(inputs, {'W1', 'b1', 'W2', 'b2', 'x', 't'});
t = labels_of(inputs.t, size(inputs.W2, 1));
[model, step] = new_model(variant_of(config), inputs);
lr = config_number(config, 'lr');
x = inputs.x;
start = tic;
[~, model] = step(model, x, t, lr);
first = toc(start);
results = [{'first_step', first, 0}; param_results(model)];
end

function held = held_run(state, name, begin)
% What a begin request (train_begin, bench_begin) holds, with a clear error when it did not come first.
if ~isfield(state, name)
  error('nothing is held for %s: %s must come first', name, begin);
end
held = state.(name);
end

function held = held_training(state, config, task)
% The training run of the request's variant that train_begin holds (state.train_layers, state.train_fused).
variant = variant_of(config);
if ~isfield(state, ['train_' variant])
  error('%s before train_begin (variant %s): no training run is held', task, variant);
end
held = state.(['train_' variant]);
end

function [state, results] = task_train_begin(config, inputs, state)
% Holds the model, the data and the batch sequence for the train_steps requests that follow, one run per
% variant; first (0 unless given) is the number of steps already done, when a new worker takes over a run.
variant = variant_of(config);
[model, step] = new_model(variant, inputs);
held = load_training(inputs);
held.model = model;
held.step = step;
held.lr = config_number(config, 'lr');
held.done = 0;
if isfield(config, 'first')
  held.done = config_number(config, 'first');
end
state.(['train_' variant]) = held;
results = cell(0, 3);
end

function [state, results] = task_train_steps(config, state)
% Steps first+1 .. first+steps of the held training run of the request's variant (first is 0-based); the
% accuracies too with evaluate 1.
held = held_training(state, config, 'train_steps');
first = config_number(config, 'first');
steps = config_number(config, 'steps');
iters = size(held.batches, 2);
if first ~= held.done || steps < 1 || first + steps > iters
  error('steps %d..%d do not follow the %d done (of %d)', first, first + steps - 1, held.done, iters);
end
[losses, step_times, held.model] = train_steps(held.model, held.x_train, held.t_train, ...
                                               held.batches(:, first + 1:first + steps), held.lr, held.step);
held.done = first + steps;
state.(['train_' variant_of(config)]) = held;
results = {'loss', losses, 1; 'step_times', step_times, 1};
if isfield(config, 'evaluate') && strcmp(config.evaluate, '1')
  results = [results; {'train_acc', model_accuracy(held.model, held.x_train, held.t_train), 0; ...
                       'test_acc', model_accuracy(held.model, held.x_test, held.t_test), 0}];
end
end

function [state, results] = task_train_end(config, state)
% The trained parameters of the request's variant; that held training run is dropped.
held = held_training(state, config, 'train_end');
state = rmfield(state, ['train_' variant_of(config)]);
results = param_results(held.model);
end

function [state, results] = task_bench_begin(config, inputs, state)
% Holds one case's parameters, batch and variant, under the name config.case_id, for the bench_round requests
% that follow.
require_inputs(inputs, {'W1', 'b1', 'W2', 'b2', 'x', 't'});
t = labels_of(inputs.t, size(inputs.W2, 1));
state.(['bench_' config.case_id]) = struct('params', struct('W1', inputs.W1, 'b1', inputs.b1, 'W2', inputs.W2, 'b2', inputs.b2), ...
                     'variant', variant_of(config), 'x', inputs.x, 't', t, 'lr', config_number(config, 'lr'));
results = cell(0, 3);
end

function results = task_bench_round(config, state)
% One round of the held case config.case_id: from its parameters, in its variant, warmup untimed steps then
% inner timed steps (step_time, per step); then the step's six matrix products alone, warmup times untimed
% and inner times timed (blas_time, per step). With verify 1, also what they computed: the parameters after
% the steps, and the six products.
held = held_run(state, ['bench_' config.case_id], 'bench_begin');
warmup = config_number(config, 'warmup');
inner = config_number(config, 'inner');
x = held.x;
t = held.t;
lr = held.lr;
[model, step] = new_model(held.variant, held.params);
for i = 1:warmup
  [L, model] = step(model, x, t, lr); %#ok<ASGLU>
end
start = tic;
for i = 1:inner
  [L, model] = step(model, x, t, lr); %#ok<ASGLU>
end
step_time = toc(start) / inner;
% The six products with the step's shapes (the reference's x . W1 is W1 * x here, and so on).
W1 = held.params.W1;
W2 = held.params.W2;
h = W1 * x;
dy = W2 * h;
dh = W2' * dy;
for i = 1:warmup
  p1 = W1 * x; p2 = W2 * h; p3 = W2' * dy; p4 = dy * h'; p5 = W1' * dh; p6 = dh * x'; %#ok<NASGU>
end
start = tic;
for i = 1:inner
  p1 = W1 * x; p2 = W2 * h; p3 = W2' * dy; p4 = dy * h'; p5 = W1' * dh; p6 = dh * x'; %#ok<NASGU>
end
blas_time = toc(start) / inner;
results = {'step_time', step_time, 0; 'blas_time', blas_time, 0};
if isfield(config, 'verify') && strcmp(config.verify, '1')
  results = [results; param_results(model); {'p_xW1', h, 2; 'p_hW2', dy, 2; 'p_dyW2t', dh, 2; ...
             'p_htdy', dy * h', 2; 'p_dhW1t', W1' * dh, 2; 'p_xtdh', dh * x', 2}];
end
end
