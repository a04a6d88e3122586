% interchange: the harness's file format (docs/interchange.md), read and written with fopen/fread/fwrite.
%
% A folder holds NAME.bin files (raw little-endian float64, int64 or uint8) and manifest.txt, whose first
% line is 'nnbench-interchange 1' and whose other lines read 'NAME DTYPE ORDER NDIM DIM1 ... DIMn', the
% dims being the logical shape as the Python reference holds it (one sample per row).
%
% This port is column-major and holds the transpose: an array of logical shape (a, b) is read as a b x a
% matrix (for ORDER C that is the bytes as they are; ORDER F is transposed after reading). A 1-d array of
% n values is read as an n x 1 column and a 0-d one as a scalar. int64 arrays are read as double (exact up
% to 2^53) and uint8 arrays stay uint8. Results are always written as float64, ORDER C.
%
%   config = interchange.read_config(task_dir)   struct of strings, one field per 'KEY VALUE' line
%   arrays = interchange.read_arrays(folder)     struct, one field per array
%   interchange.write_arrays(folder, results)    results: a cell array with one row {NAME, VALUE, NDIM}
%                                                per array (NDIM 0, 1 or 2: the logical rank to write)
%   interchange.write_info(folder, lines)        lines: cell array of 'KEY VALUE' strings
classdef interchange
  properties (Constant)
    MAGIC = 'nnbench-interchange 1';
  end
  methods (Static)
    function config = read_config(task_dir)
      text = fileread(fullfile(task_dir, 'config.txt'));
      config = struct();
      lines = regexp(text, '\r?\n', 'split');
      for i = 1:numel(lines)
        line = strtrim(lines{i});
        if isempty(line)
          continue;
        end
        parts = regexp(line, '^(\S+)\s*(.*)$', 'tokens', 'once');
        key = parts{1};
        if ~isvarname(key)
          error('config.txt: bad key ''%s''', key);
        end
        config.(key) = strtrim(parts{2});
      end
    end

    function arrays = read_arrays(folder)
      path = fullfile(folder, 'manifest.txt');
      if ~exist(path, 'file')
        error('%s is missing', path);
      end
      lines = regexp(fileread(path), '\r?\n', 'split');
      lines = strtrim(lines);
      lines = lines(~cellfun(@isempty, lines));
      lines = lines(~strncmp(lines, '#', 1));
      if isempty(lines) || ~strcmp(lines{1}, interchange.MAGIC)
        error('%s: first line must be ''%s''', path, interchange.MAGIC);
      end
      arrays = struct();
      for i = 2:numel(lines)
        parts = regexp(lines{i}, '\s+', 'split');
        if numel(parts) < 4 || ~isvarname(parts{1})
          error('%s: bad line ''%s''', path, lines{i});
        end
        name = parts{1};
        dtype = parts{2};
        order = parts{3};
        ndim = str2double(parts{4});
        dims = str2double(parts(5:end));
        if ~(ndim >= 0 && numel(dims) == ndim && all(dims >= 0 & dims == round(dims))) || ~any(strcmp(order, {'C', 'F'}))
          error('%s: bad line ''%s''', path, lines{i});
        end
        arrays.(name) = interchange.read_bin(fullfile(folder, [name '.bin']), dtype, order, dims);
      end
    end

    function value = read_bin(path, dtype, order, dims)
      switch dtype
        case 'float64'
          precision = 'double=>double';
        case 'int64'
          precision = 'int64=>double';
        case 'uint8'
          precision = 'uint8=>uint8';
        otherwise
          error('%s: unknown dtype ''%s''', path, dtype);
      end
      count = prod(dims);  % prod([]) is 1: a 0-d array is one value
      fid = fopen(path, 'r', 'ieee-le');
      if fid < 0
        error('cannot open %s', path);
      end
      [value, got] = fread(fid, count, precision);
      extra = fread(fid, 1, 'uint8');
      fclose(fid);
      if got ~= count || ~isempty(extra)
        error('%s: expected %d values of %s', path, count, dtype);
      end
      ndim = numel(dims);
      if ndim == 0
        value = value(1);
      elseif ndim == 1
        value = reshape(value, dims(1), 1);
      elseif strcmp(order, 'C')
        value = reshape(value, fliplr(dims));  % row-major bytes read column-major: the transpose
      else
        value = permute(reshape(value, dims), ndim:-1:1);
      end
    end

    function write_arrays(folder, results)
      % Every array as float64, ORDER C, then the manifest last (a folder with a manifest is complete).
      if ~exist(folder, 'dir')
        mkdir(folder);
      end
      lines = {interchange.MAGIC};
      for i = 1:size(results, 1)
        name = results{i, 1};
        value = double(results{i, 2});
        ndim = results{i, 3};
        if ~isvarname(name)
          error('bad array name ''%s''', name);
        end
        switch ndim
          case 0
            if numel(value) ~= 1
              error('%s: a scalar result has %d values', name, numel(value));
            end
            shape = '';
          case 1
            if ~isvector(value) && ~isempty(value)
              error('%s: a 1-d result is %d x %d', name, size(value, 1), size(value, 2));
            end
            shape = sprintf(' %d', numel(value));
          case 2
            if ndims(value) ~= 2
              error('%s: a 2-d result has %d dimensions', name, ndims(value));
            end
            shape = sprintf(' %d %d', size(value, 2), size(value, 1));  % logical shape: the transpose
          otherwise
            error('%s: cannot write %d-d results', name, ndim);
        end
        fid = fopen(fullfile(folder, [name '.bin']), 'w', 'ieee-le');
        if fid < 0
          error('cannot write %s', fullfile(folder, [name '.bin']));
        end
        fwrite(fid, value(:), 'double');
        fclose(fid);
        lines{end + 1} = sprintf('%s float64 C %d%s', name, ndim, shape); %#ok<AGROW>
      end
      tmp = fullfile(folder, 'manifest.txt.tmp');
      interchange.write_lines(tmp, lines);
      interchange.move_file(tmp, fullfile(folder, 'manifest.txt'));
    end

    function write_info(folder, lines)
      if ~exist(folder, 'dir')
        mkdir(folder);
      end
      interchange.write_lines(fullfile(folder, 'info.txt'), lines);
    end

    function write_lines(path, lines)
      fid = fopen(path, 'w');
      if fid < 0
        error('cannot write %s', path);
      end
      fprintf(fid, '%s\n', lines{:});
      fclose(fid);
    end

    function move_file(from, to)
      if exist('OCTAVE_VERSION', 'builtin')
        [status, msg] = rename(from, to);  % Octave's builtin: no shell, unlike its movefile
        if status ~= 0
          error('cannot rename %s: %s', from, msg);
        end
      else
        movefile(from, to, 'f');
      end
    end
  end
end
