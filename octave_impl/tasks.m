% tasks: the Octave port's tasks (docs/interchange.md), each with the same signature:
%
%   [results, state] = tasks.task_NAME(config, inputs, state)
%
% the request's configuration (struct of strings) and input arrays, and what a worker holds between requests
% (a struct: the training runs train_layers and train_fused, the bench cases bench_ID) -> the results as rows
% {NAME, VALUE, NDIM} (NDIM the rank of the reference's array) and the state. A task that keeps nothing hands
% the state back as it came. Part of the dispatcher (entry.m and run_folder.m, checks.m, tasks.m, kernels.m:
% the same four parts in every port, docs/porting.md).
classdef tasks
  methods (Static)
    function [results, state] = task_noop(config, inputs, state) %#ok<INUSL>
      results = cell(0, 3);
    end

    function [results, state] = task_info(config, inputs, state) %#ok<INUSL>
      % No arrays; the facts of port_info.m, which run_folder writes to out/info.txt.
      results = {'info', port_info(), -1};
    end

    function [results, state] = task_grad(config, inputs, state)
      checks.require_inputs(inputs, {'x', 't'});
      x = inputs.x;
      t = inputs.t;
      numerical = isfield(config, 'numerical') && strcmp(config.numerical, '1');
      if ~isfield(config, 'model')
        error('config.txt has no ''model'' line');
      end
      if strcmp(config.model, 'perceptron')
        checks.require_inputs(inputs, {'W', 'b'});
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
      checks.require_inputs(inputs, {'W1', 'b1', 'W2', 'b2'});
      classes = size(inputs.W2, 1);
      if size(t, 1) ~= classes || size(t, 2) ~= size(x, 2)  % not one-hot (C x N): labels
        t = checks.labels_of(t, classes);
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

    function [results, state] = task_layers(config, inputs, state) %#ok<INUSL>
      g = inputs;
      checks.require_inputs(g, {'matmul_x', 'matmul_W', 'matmul_dout', 'add_x', 'add_y', 'add_dout', 'mul_x', 'mul_y', ...
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

    function [results, state] = task_perceptron(config, inputs, state)
      checks.require_inputs(inputs, {'x', 'y', 'W', 'b'});
      epochs = checks.setting(config, 'epochs');
      lr = checks.setting(config, 'lr');
      repeats = checks.setting(config, 'repeats');
      if strcmp(checks.variant_of(config), 'fused')
        learn = @fused_perceptron_train;
      else
        learn = @perceptron.train;
      end
      X = inputs.x;
      Y = inputs.y(:)';
      W0 = inputs.W;
      b0 = inputs.b;
      [W, b, losses, solved, first, times] = kernels.time_runs(learn, W0, b0, X, Y, epochs, lr, repeats);
      results = {'W', W, 1; 'b', b, 0; 'losses', losses, 1; 'solved_epoch', solved, 0; ...
                 'first_time', first, 0; 'times', times, 1};
    end

    function [results, state] = task_train(config, inputs, state)
      % The whole training run in one request, as the worker tasks run it (the one training driver): train_begin,
      % train_steps in chunks of eval_every steps, each evaluated and reported as progress, then train_end; on a state
      % of its own, so that a worker's held runs are left alone.
      eval_every = checks.setting(config, 'eval_every');
      if eval_every < 1
        error('eval_every must be at least 1');
      end
      request = config;
      request.first = '0';
      [~, run] = tasks.task_train_begin(request, inputs, struct());
      iters = size(run.(['train_' checks.variant_of(config)]).batches, 2);
      loss = []; step_times = []; train_acc = []; test_acc = [];
      for first = 0:eval_every:iters - 1
        steps = min(eval_every, iters - first);
        request.first = sprintf('%d', first);
        request.steps = sprintf('%d', steps);
        request.evaluate = '1';
        [chunk, run] = tasks.task_train_steps(request, inputs, run);
        values = cell2struct(chunk(:, 2), chunk(:, 1), 1);
        loss = [loss; values.loss]; %#ok<AGROW>
        step_times = [step_times; values.step_times]; %#ok<AGROW>
        train_acc = [train_acc; values.train_acc]; %#ok<AGROW>
        test_acc = [test_acc; values.test_acc]; %#ok<AGROW>
        tasks.print_progress(first + steps, iters);
      end
      params = tasks.task_train_end(config, inputs, run);
      results = [{'loss', loss, 1; 'step_times', step_times, 1; 'train_acc', train_acc, 1; 'test_acc', test_acc, 1}; ...
                 params];
    end

    function [results, state] = task_first_step(config, inputs, state)
      % One training step of the variant timed alone: in a fresh process, the first call.
      checks.require_inputs(inputs, {'W1', 'b1', 'W2', 'b2', 'x', 't'});
      t = checks.labels_of(inputs.t, size(inputs.W2, 1));
      [model, step] = checks.new_net(checks.variant_of(config), inputs);
      lr = checks.setting(config, 'lr');
      x = inputs.x;
      start = tic;
      [~, model] = step(model, x, t, lr);
      first = toc(start);
      results = [{'first_step', first, 0}; checks.param_results(model)];
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
      variant = checks.variant_of(config);
      if ~isfield(state, ['train_' variant])
        error('%s before train_begin (variant %s): no training run is held', task, variant);
      end
      held = state.(['train_' variant]);
    end

    function [results, state] = task_train_begin(config, inputs, state)
      % Holds the model, the data and the batch sequence for the train_steps requests that follow, one run per
      % variant; first (0 unless given) is the number of steps already done, when a new worker takes over a run.
      variant = checks.variant_of(config);
      [model, step] = checks.new_net(variant, inputs);
      held = checks.load_training(inputs);
      held.model = model;
      held.step = step;
      held.lr = checks.setting(config, 'lr');
      held.done = 0;
      if isfield(config, 'first')
        held.done = checks.setting(config, 'first');
      end
      state.(['train_' variant]) = held;
      results = cell(0, 3);
    end

    function [results, state] = task_train_steps(config, inputs, state) %#ok<INUSL>
      % Steps first+1 .. first+steps of the held training run of the request's variant (first is 0-based); the
      % accuracies too with evaluate 1.
      held = tasks.held_training(state, config, 'train_steps');
      first = checks.setting(config, 'first');
      steps = checks.setting(config, 'steps');
      iters = size(held.batches, 2);
      if first ~= held.done || steps < 1 || first + steps > iters
        error('steps %d..%d do not follow the %d done (of %d)', first, first + steps - 1, held.done, iters);
      end
      [losses, step_times, held.model] = train_steps(held.model, held.x_train, held.t_train, ...
                                                     held.batches(:, first + 1:first + steps), held.lr, held.step);
      held.done = first + steps;
      state.(['train_' checks.variant_of(config)]) = held;
      results = {'loss', losses, 1; 'step_times', step_times, 1};
      if isfield(config, 'evaluate') && strcmp(config.evaluate, '1')
        results = [results; {'train_acc', checks.model_accuracy(held.model, held.x_train, held.t_train), 0; ...
                             'test_acc', checks.model_accuracy(held.model, held.x_test, held.t_test), 0}];
      end
    end

    function [results, state] = task_train_warmup(config, inputs, state) %#ok<INUSL>
      % config.steps steps on a copy of the held model, on the run's batches from its first on (from the first
      % again past the last), each timed; the held run does not advance. A fresh process's first steps, run
      % before its share of the run (docs/measurement.md).
      held = tasks.held_training(state, config, 'train_warmup');
      steps = checks.setting(config, 'steps');
      if steps < 1
        error('steps must be at least 1');
      end
      warm = held.batches(:, mod(0:steps - 1, size(held.batches, 2)) + 1);
      [~, step_times] = train_steps(held.model, held.x_train, held.t_train, warm, held.lr, held.step);
      results = {'step_times', step_times, 1};
    end

    function [results, state] = task_train_end(config, inputs, state) %#ok<INUSL>
      % The trained parameters of the request's variant; that held training run is dropped.
      held = tasks.held_training(state, config, 'train_end');
      state = rmfield(state, ['train_' checks.variant_of(config)]);
      results = checks.param_results(held.model);
    end

    function [results, state] = task_bench_begin(config, inputs, state)
      % Holds one case's parameters, batch and variant, under the name config.case_id, for the bench_round requests
      % that follow.
      checks.require_inputs(inputs, {'W1', 'b1', 'W2', 'b2', 'x', 't'});
      t = checks.labels_of(inputs.t, size(inputs.W2, 1));
      state.(['bench_' config.case_id]) = struct('params', struct('W1', inputs.W1, 'b1', inputs.b1, 'W2', inputs.W2, 'b2', inputs.b2), ...
                           'variant', checks.variant_of(config), 'x', inputs.x, 't', t, 'lr', checks.setting(config, 'lr'));
      results = cell(0, 3);
    end

    function [results, state] = task_bench_round(config, inputs, state) %#ok<INUSL>
      % One round of the held case config.case_id: from its parameters, in its variant, warmup untimed steps then
      % inner timed steps (step_time, per step); then the step's six matrix products alone, warmup times untimed
      % and inner times timed (blas_time, per step). With verify 1, also what they computed: the parameters after
      % the steps, and the six products.
      held = tasks.held_run(state, ['bench_' config.case_id], 'bench_begin');
      warmup = checks.setting(config, 'warmup');
      inner = checks.setting(config, 'inner');
      [model, step] = checks.new_net(held.variant, held.params);
      [step_time, model] = kernels.time_steps(model, step, held.x, held.t, held.lr, warmup, inner);
      [blas_time, products] = kernels.time_products(held.params.W1, held.params.W2, held.x, warmup, inner);
      results = {'step_time', step_time, 0; 'blas_time', blas_time, 0};
      if isfield(config, 'verify') && strcmp(config.verify, '1')
        results = [results; checks.param_results(model); products];
      end
    end

    function print_progress(i, iters)
      fprintf('progress %d %d\n', i, iters);
      tasks.flush_stdout();
    end

    function flush_stdout()
      % Octave buffers stdout when it is a pipe; MATLAB's fprintf to the screen needs no flush.
      if exist('OCTAVE_VERSION', 'builtin')
        fflush(stdout);
      end
    end
  end
end
