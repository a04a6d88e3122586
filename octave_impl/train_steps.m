function [net, losses, step_times] = train_steps(net, x_train, t_train, batches, lr)
% TRAIN_STEPS  One training step on each column of batches (0-based sample indices, one batch per column).
%
%   [net, losses, step_times] = train_steps(net, x_train, t_train, batches, lr)
%   x_train is 784 x N (one sample per column), t_train the N labels (0-based). Returns the updated net, each
%   step's batch loss and its time (gradient + update, tic/toc; the gather is not timed).
n = size(batches, 2);
losses = zeros(n, 1);
step_times = zeros(n, 1);
for i = 1:n
  idx = batches(:, i) + 1;
  x_batch = x_train(:, idx);
  t_batch = t_train(idx);
  start = tic;
  [net, losses(i)] = sgd_step(net, x_batch, t_batch, lr);
  step_times(i) = toc(start);
end
end
