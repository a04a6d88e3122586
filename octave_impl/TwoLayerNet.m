% TwoLayerNet: Affine -> Relu -> Affine -> SoftmaxWithLoss ("Deep Learning from Scratch", chapter 5).
%
% The network is an ordered list (cell array) of layers plus the last layer; the parameters live in the
% Affine layers (get_params/set_params read and write them by name). One sample per column: x is 784 x N,
% W1 is H x 784, b1 H x 1, W2 10 x H, b2 10 x 1 (the transposes of the reference's arrays).
classdef TwoLayerNet < handle
  properties (Constant)
    PARAM_NAMES = {'W1', 'b1', 'W2', 'b2'};
  end
  properties
    layers       % {Affine, Relu, Affine}
    last_layer   % SoftmaxWithLoss
  end
  methods
    function obj = TwoLayerNet(params)
      obj.layers = {Affine(params.W1, params.b1), Relu(), Affine(params.W2, params.b2)};
      obj.last_layer = SoftmaxWithLoss();
    end

    function params = get_params(obj)
      first = obj.layers{1};
      second = obj.layers{3};
      params = struct('W1', first.W, 'b1', first.b, 'W2', second.W, 'b2', second.b);
    end

    function set_params(obj, params)
      layers = obj.layers;
      first = layers{1};
      second = layers{3};
      first.W = params.W1;
      first.b = params.b1;
      second.W = params.W2;
      second.b = params.b2;
    end

    function x = predict(obj, x)
      layers = obj.layers;  % read a property once: each read of a handle object's property takes microseconds in Octave
      for i = 1:numel(layers)
        x = layers{i}.forward(x);
      end
    end

    function L = loss(obj, x, t)
      L = obj.last_layer.forward(obj.predict(x), t);
    end

    function acc = accuracy(obj, x, t)
      % Fraction of columns whose highest score is the label (ties go to the first maximum).
      scores = obj.predict(x);
      [~, y] = max(scores, [], 1);
      if size(t, 1) == size(scores, 1) && size(t, 2) == size(scores, 2)
        [~, labels] = max(t, [], 1);
      else
        labels = double(t(:)') + 1;
      end
      acc = sum(y == labels) / size(x, 2);
    end

    function [L, grads] = gradient(obj, x, t)
      % Backprop: the loss and the gradients, named as the parameters.
      L = obj.loss(x, t);
      dout = obj.last_layer.backward(1);
      layers = obj.layers;
      for i = numel(layers):-1:1
        dout = layers{i}.backward(dout);
      end
      first = layers{1};
      second = layers{3};
      grads = struct('W1', first.dW, 'b1', first.db, 'W2', second.dW, 'b2', second.db);
    end

    function grads = numerical_gradient(obj, x, t)
      % Central differences of the loss with respect to every parameter.
      params = obj.get_params();
      names = TwoLayerNet.PARAM_NAMES;
      grads = struct();
      for k = 1:numel(names)
        name = names{k};
        f = @(value) obj.loss_with(name, value, x, t);
        grads.(name) = numerical_gradient(f, params.(name));
        obj.set_params(params);
      end
    end

    function L = loss_with(obj, name, value, x, t)
      % The loss with one parameter replaced by value (for numerical_gradient).
      params = obj.get_params();
      params.(name) = value;
      obj.set_params(params);
      L = obj.loss(x, t);
    end
  end
end
