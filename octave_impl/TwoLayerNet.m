function net = TwoLayerNet(params)
% TWOLAYERNET  Affine -> Relu -> Affine -> SoftmaxWithLoss ("Deep Learning from Scratch", chapter 5).
%
%   net = TwoLayerNet(params)   params has fields W1, b1, W2, b2
%   [scores, net] = net.predict(net, x)
%   [L, net] = net.loss(net, x, t)
%   acc = net.accuracy(net, x, t)
%   [L, grads, net] = net.gradient(net, x, t)     backprop; grads has fields W1, b1, W2, b2
%   grads = net.numerical_gradient(net, x, t)     central differences (h = 1e-4)
%   params = net.get_params(net);  net = net.set_params(net, params);
%
% The network is a struct: its layers, found by name as in the book (a struct with the fields Affine1, Relu1,
% Affine2, in that order, which layer_names keeps), the last layer, and its functions. The parameters live in
% the Affine layers; get_params/set_params read and write them by name. Every function that runs the layers
% returns the net after its results, since layers keep what backward needs. One sample per column: x is
% 784 x N, W1 is H x 784, b1 H x 1, W2 10 x H, b2 10 x 1 (the reference's arrays, transposed); t is one-hot
% (10 x N) or 1-based class labels (1 x N).
net = struct();
net.param_names = {'W1', 'b1', 'W2', 'b2'};
net.layers = struct('Affine1', Affine(params.W1, params.b1), 'Relu1', Relu(), 'Affine2', Affine(params.W2, params.b2));
net.layer_names = fieldnames(net.layers)';  % the order of the layers, read once (fieldnames is an m-file in Octave)
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
affine1 = net.layers.Affine1;
affine2 = net.layers.Affine2;
params = struct('W1', affine1.W, 'b1', affine1.b, 'W2', affine2.W, 'b2', affine2.b);
end

function net = set_params(net, params)
% Each Affine layer is taken out, given its two parameters and put back (cheaper than four nested assignments).
affine1 = net.layers.Affine1;
affine1.W = params.W1;
affine1.b = params.b1;
affine2 = net.layers.Affine2;
affine2.W = params.W2;
affine2.b = params.b2;
net.layers.Affine1 = affine1;
net.layers.Affine2 = affine2;
end

function [x, net] = predict(net, x)
% Each layer is taken out of a local copy of the layers, run and put back: in Octave that costs less than
% indexing net.layers in place three times per call.
layers = net.layers;
names = net.layer_names;
for i = 1:numel(names)
  layer = layers.(names{i});
  [x, layer] = layer.forward(layer, x);
  layers.(names{i}) = layer;
end
net.layers = layers;
end

function [L, net] = loss(net, x, t)
[scores, net] = predict(net, x);
last = net.last_layer;
[L, last] = last.forward(last, scores, t);
net.last_layer = last;
end

function acc = accuracy(net, x, t)
% Fraction of columns whose highest score is the label (ties go to the first maximum).
scores = predict(net, x);
[~, y] = max(scores, [], 1);
if size(t, 1) == size(scores, 1) && size(t, 2) == size(scores, 2)
  [~, labels] = max(t, [], 1);
else
  labels = t(:)';
end
acc = sum(y == labels) / size(x, 2);
end

function [L, grads, net] = gradient(net, x, t)
% Backprop: the loss and the gradients, named as the parameters.
[L, net] = loss(net, x, t);
last = net.last_layer;
dout = last.backward(last, 1);
layers = net.layers;
names = net.layer_names;
for i = numel(names):-1:1
  layer = layers.(names{i});
  [dout, layer] = layer.backward(layer, dout);
  layers.(names{i}) = layer;
end
net.layers = layers;
grads = struct('W1', layers.Affine1.dW, 'b1', layers.Affine1.db, 'W2', layers.Affine2.dW, 'b2', layers.Affine2.db);
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
L = loss(set_params(net, params), x, t);
end
