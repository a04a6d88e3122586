function [model, losses, step_times] = train_steps(model, x_train, t_train, batches, lr, step)
% TRAIN_STEPS  One training step on each column of batches (0-based sample indices, one batch per column).
%
%   [model, losses, step_times] = train_steps(model, x_train, t_train, batches, lr, step)
%   x_train is 784 x N (one sample per column), t_train the N labels (0-based). step is the training step,
%   [model, L] = step(model, x, t, lr): sgd_step (the default) on a TwoLayerNet, or fused_step on the
%   parameters. Returns the updated model, each step's batch loss and its time (the step, tic/toc; the
%   gather is not timed).
if nargin < 6
  step = @sgd_step;
end
n = size(batches, 2);
losses = zeros(n, 1);
step_times = zeros(n, 1);
for i = 1:n
  idx = batches(:, i) + 1;
  x_batch = x_train(:, idx);
  t_batch = t_train(idx);
  start = tic;
  [model, losses(i)] = step(model, x_batch, t_batch, lr);
  step_times(i) = toc(start);
end
end
