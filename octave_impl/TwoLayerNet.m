function net = TwoLayerNet(params)
% TWOLAYERNET  Affine -> Relu -> Affine -> SoftmaxWithLoss ("Deep Learning from Scratch", chapter 5).
%
%   net = TwoLayerNet(params)   params has fields W1, b1, W2, b2
%   [net, scores] = net.predict(net, x)
%   [net, L] = net.loss(net, x, t)
%   acc = net.accuracy(net, x, t)
%   [net, L, grads] = net.gradient(net, x, t)     backprop; grads has fields W1, b1, W2, b2
%   grads = net.numerical_gradient(net, x, t)     central differences (h = 1e-4)
%   params = net.get_params(net);  net = net.set_params(net, params);
%
% The network is a struct: an ordered list (cell array) of layers plus the last layer, and its functions.
% The parameters live in the Affine layers; get_params/set_params read and write them by name. Every
% function that runs the layers returns the net, since layers keep what backward needs. One sample per
% column: x is 784 x N, W1 is H x 784, b1 H x 1, W2 10 x H, b2 10 x 1 (the reference's arrays, transposed).
net = struct();
net.param_names = {'W1', 'b1', 'W2', 'b2'};
net.layers = {Affine(params.W1, params.b1), Relu(), Affine(params.W2, params.b2)};
net.last_layer = SoftmaxWithLoss();
net.get_params = @get_params;
net.set_params = @set_params;
net.predict = @predict;
net.loss = @loss;
net.accuracy = @accuracy;
net.gradient = @gradient;
net.numerical_gradient = @numerical_gradients;
end

function params = get_params(net)
first = net.layers{1};
second = net.layers{3};
params = struct('W1', first.W, 'b1', first.b, 'W2', second.W, 'b2', second.b);
end

function net = set_params(net, params)
% Each Affine layer is taken out, given its two parameters and put back (cheaper than four nested assignments).
first = net.layers{1};
first.W = params.W1;
first.b = params.b1;
second = net.layers{3};
second.W = params.W2;
second.b = params.b2;
net.layers([1 3]) = {first, second};
end

function [net, x] = predict(net, x)
% Each layer is taken out of a local copy of the list, run and put back: in Octave that costs less than
% indexing net.layers{i} in place three times per call.
layers = net.layers;
for i = 1:numel(layers)
  layer = layers{i};
  [layer, x] = layer.forward(layer, x);
  layers{i} = layer;
end
net.layers = layers;
end

function [net, L] = loss(net, x, t)
[net, scores] = predict(net, x);
last = net.last_layer;
[last, L] = last.forward(last, scores, t);
net.last_layer = last;
end

function acc = accuracy(net, x, t)
% Fraction of columns whose highest score is the label (ties go to the first maximum).
[~, scores] = predict(net, x);
[~, y] = max(scores, [], 1);
if size(t, 1) == size(scores, 1) && size(t, 2) == size(scores, 2)
  [~, labels] = max(t, [], 1);
else
  labels = double(t(:)') + 1;
end
acc = sum(y == labels) / size(x, 2);
end

function [net, L, grads] = gradient(net, x, t)
% Backprop: the loss and the gradients, named as the parameters.
[net, L] = loss(net, x, t);
last = net.last_layer;
[last, dout] = last.backward(last, 1);
net.last_layer = last;
layers = net.layers;
for i = numel(layers):-1:1
  layer = layers{i};
  [layer, dout] = layer.backward(layer, dout);
  layers{i} = layer;
end
net.layers = layers;
first = layers{1};
second = layers{3};
grads = struct('W1', first.dW, 'b1', first.db, 'W2', second.dW, 'b2', second.db);
end

function grads = numerical_gradients(net, x, t)
% Central differences of the loss with respect to every parameter.
params = get_params(net);
grads = struct();
for k = 1:numel(net.param_names)
  name = net.param_names{k};
  f = @(value) loss_with(net, name, value, x, t);
  grads.(name) = numerical_gradient(f, params.(name));
end
end

function L = loss_with(net, name, value, x, t)
% The loss with one parameter replaced by value (net is a value: the caller's copy is unchanged).
params = get_params(net);
params.(name) = value;
[~, L] = loss(set_params(net, params), x, t);
end
