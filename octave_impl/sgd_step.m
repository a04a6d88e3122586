function [net, L] = sgd_step(net, x, t, lr)
% SGD_STEP  One training step: backprop, then every parameter -= lr * its gradient.
%   [net, L] = sgd_step(net, x, t, lr) returns the updated TwoLayerNet and the batch loss computed by the
%   forward pass, before the update.
[net, L, grads] = net.gradient(net, x, t);
params = net.get_params(net);
for k = 1:numel(net.param_names)
  name = net.param_names{k};
  params.(name) = params.(name) - lr * grads.(name);
end
net = net.set_params(net, params);
end
