% checks: the Octave port's checked inputs: every array and setting a task reads, checked once, with clear
% errors (a missing array is named, labels and batch rows out of range are refused), and converted to what the
% port computes with: class labels and mini-batch rows arrive 0-based and become 1-based (labels as a 1 x N
% row), images become doubles in [0, 1]. Part of the dispatcher (entry.m and run_folder.m, checks.m, tasks.m,
% kernels.m: the same four parts in every port, docs/porting.md). Static methods: checks.variant_of(config), ...
classdef checks
  methods (Static)
    function value = setting(config, key)
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

    function data = load_training(inputs)
      % The training problem as this port holds it: images as doubles in [0, 1], one sample per column; labels
      % (1 x N) and batch rows (B x I: the samples of step i are column i) 1-based.
      checks.require_inputs(inputs, {'W1', 'b1', 'W2', 'b2', 'batches', 'x_train', 't_train', 'x_test', 't_test'});
      classes = size(inputs.W2, 1);
      n_train = size(inputs.x_train, 2);
      if any(inputs.batches(:) < 0 | inputs.batches(:) >= n_train)
        error('batch rows must be 0..%d', n_train - 1);
      end
      data = struct('x_train', double(inputs.x_train) / 255, 'x_test', double(inputs.x_test) / 255, ...
                    't_train', checks.labels_of(inputs.t_train, classes), 't_test', checks.labels_of(inputs.t_test, classes), ...
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

    function [model, step] = new_net(variant, arrays)
      % A model of the variant on the arrays' W1, b1, W2, b2, and its training step, called as
      % [L, model] = step(model, x, t, lr): a TwoLayerNet and sgd_step, or the parameters alone and fused_step.
      checks.require_inputs(arrays, {'W1', 'b1', 'W2', 'b2'});
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
  end
end
